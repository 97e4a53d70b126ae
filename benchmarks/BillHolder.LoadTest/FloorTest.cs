using System.Diagnostics;
using System.Globalization;
using System.Text;
using MySqlConnector;

namespace BillHolder.LoadTest;

// The floor: the least database work any design must do for one 10-record sync, straight against MariaDB,
// no server in between. Per sync, on a connection the client keeps open (as a server's pool would):
//   BEGIN; SELECT ... FROM floor_head WHERE book_id = ? FOR UPDATE      (the book's small lock row)
//   INSERT floor_log (one row: the ~10 changed records as JSON, ~1.3 KB, like a book_change row)
//   [--mode rows: and upsert the 10 records as 10 small rows of floor_record]
//   UPDATE floor_head (version, id counter, last edit)
//   COMMIT
// That is 4 round trips (begin, lock, one batched write, commit). Its own tables in the bench database, fresh
// book ids per run. Closed loop like `rest`: N clients, client c works on book c % books.
internal static class FloorTest
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS floor_head (
          book_id BIGINT NOT NULL PRIMARY KEY, version BIGINT NOT NULL, next_id BIGINT NOT NULL,
          last_edited_by VARCHAR(32) NOT NULL, last_edited_at BIGINT NOT NULL
        ) ENGINE=InnoDB;
        CREATE TABLE IF NOT EXISTS floor_log (
          book_id BIGINT NOT NULL, version BIGINT NOT NULL, sync_id VARCHAR(64) NOT NULL, created_at BIGINT NOT NULL,
          changes JSON NOT NULL, PRIMARY KEY (book_id, version)
        ) ENGINE=InnoDB;
        CREATE TABLE IF NOT EXISTS floor_record (
          book_id BIGINT NOT NULL, id BIGINT NOT NULL, version BIGINT NOT NULL, body JSON NOT NULL,
          PRIMARY KEY (book_id, id)
        ) ENGINE=InnoDB;
        """;

    public static async Task RunAsync(Options options)
    {
        int books = options.Int("books", 1), clients = options.Int("clients", 1), seconds = options.Int("seconds", 10);
        int warmup = options.Int("warmup", 2);
        var mode = options.Text("mode", "log");
        if (mode is not ("log" or "rows")) throw new ArgumentException("--mode is log or rows");
        var connectionString = Redo.Loopback(options.Text("db", ""));

        long firstBook;
        await using (var setup = new MySqlConnection(connectionString))
        {
            await setup.OpenAsync();
            await new MySqlCommand(Schema, setup).ExecuteNonQueryAsync();
            firstBook = Convert.ToInt64(await new MySqlCommand("SELECT COALESCE(MAX(book_id), 0) + 1 FROM floor_head", setup).ExecuteScalarAsync(),
                CultureInfo.InvariantCulture);
            var heads = string.Join(",", Enumerable.Range(0, books).Select(b => $"({firstBook + b}, 0, 1, 'floor', 0)"));
            await new MySqlCommand($"INSERT INTO floor_head (book_id, version, next_id, last_edited_by, last_edited_at) VALUES {heads}", setup)
                .ExecuteNonQueryAsync();
        }

        await using var redo = await Redo.OpenAsync(connectionString);
        var latencies = new List<double>[clients];
        var errors = new int[clients];
        var measuredFrom = Stopwatch.GetTimestamp() + (long)(warmup * Stopwatch.Frequency);
        var end = measuredFrom + (long)(seconds * Stopwatch.Frequency);
        using var abort = new CancellationTokenSource(TimeSpan.FromSeconds(warmup + seconds + 60));
        long? redoBefore = null;
        var sampler = Task.Run(async () =>
        {
            var wait = measuredFrom - Stopwatch.GetTimestamp();
            if (wait > 0) await Task.Delay(TimeSpan.FromSeconds(wait / (double)Stopwatch.Frequency));
            if (redo is not null) redoBefore = await redo.WrittenAsync();
        });
        var tasks = Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            latencies[c] = [];
            var bookId = firstBook + c % books;
            await using var connection = new MySqlConnection(connectionString);
            await connection.OpenAsync(abort.Token);
            var sequence = 0;
            while (Stopwatch.GetTimestamp() < end && !abort.IsCancellationRequested)
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    await OneSyncAsync(connection, bookId, c, ++sequence, mode, abort.Token);
                }
                catch (MySqlException) when (!abort.IsCancellationRequested)
                {
                    // A deadlock or lock wait timeout would show here; the floor takes one lock, so it should not.
                    if (started >= measuredFrom) errors[c]++;
                    continue;
                }
                if (started >= measuredFrom) latencies[c].Add(Clock.MillisecondsSince(started));
            }
        })).ToArray();
        await Task.WhenAll(tasks);
        await sampler;
        var window = Clock.MillisecondsSince(measuredFrom) / 1000;
        long? redoAfter = redo is null ? null : await redo.WrittenAsync();

        var all = latencies.SelectMany(l => l).ToList();
        Stats.Result($"floor mode={mode} books={books} clients={clients}",
            $"syncs={all.Count} syncs_per_s={all.Count / window:0.0} {Stats.Summary(all)} errors={errors.Sum()}{Redo.Field(redoBefore, redoAfter, all.Count)}");
    }

    private static async Task OneSyncAsync(MySqlConnection connection, long bookId, int client, int sequence, string mode, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        long version, nextId;
        await using (var lockHead = new MySqlCommand("SELECT version, next_id FROM floor_head WHERE book_id = @b FOR UPDATE", connection, transaction))
        {
            lockHead.Parameters.AddWithValue("@b", bookId);
            await using var reader = await lockHead.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken)) throw new InvalidOperationException($"floor book {bookId} is missing");
            version = reader.GetInt64(0) + 1;
            nextId = reader.GetInt64(1);
        }

        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var sql = new StringBuilder(
            "INSERT INTO floor_log (book_id, version, sync_id, created_at, changes) VALUES (@b, @v, @s, @t, @changes);" +
            "UPDATE floor_head SET version = @v, next_id = @n, last_edited_by = 'floor', last_edited_at = @t WHERE book_id = @b;");
        await using var write = new MySqlCommand { Connection = connection, Transaction = transaction };
        write.Parameters.AddWithValue("@b", bookId);
        write.Parameters.AddWithValue("@v", version);
        write.Parameters.AddWithValue("@s", $"floor{client}-{sequence}");
        write.Parameters.AddWithValue("@t", now);
        write.Parameters.AddWithValue("@n", nextId + 4);
        write.Parameters.AddWithValue("@changes", Changes(nextId, client, sequence, now));
        if (mode == "rows")
        {
            // 10 small record rows, each client cycling over its own 200 ids: after the first laps, updates.
            sql.Append("INSERT INTO floor_record (book_id, id, version, body) VALUES ");
            for (var i = 0; i < 10; i++)
            {
                var id = client * 1_000 + (sequence * 10 + i) % 200;
                if (i > 0) sql.Append(',');
                sql.Append(CultureInfo.InvariantCulture, $"(@b, {id}, @v, @r{i})");
                write.Parameters.AddWithValue($"@r{i}", Record(id, sequence, now));
            }
            sql.Append(" ON DUPLICATE KEY UPDATE version = VALUES(version), body = VALUES(body);");
        }
        write.CommandText = sql.ToString();
        await write.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    // The shape of a book_change row of the load test's sync: 3 new and 3 modified bills, 1 transfer, 3 deletions.
    private static string Changes(long nextId, int client, int sequence, long now)
    {
        var json = new StringBuilder("{\"bills\":[");
        for (var i = 0; i < 6; i++)
        {
            if (i > 0) json.Append(',');
            json.Append(Record(i < 3 ? nextId + i : client * 1_000 + i, sequence, now));
        }
        json.Append(CultureInfo.InvariantCulture,
            $"],\"transfers\":[{{\"id\":{client + 1},\"status\":1,\"fromWalletId\":1,\"toWalletId\":2,\"amount\":{1_000 + sequence % 500},\"date\":1767225600000,\"lastEditedBy\":\"floor\",\"lastEditedAt\":{now}}}],");
        json.Append(CultureInfo.InvariantCulture, $"\"deleted\":{{\"bills\":[{nextId - 3},{nextId - 2},{nextId - 1}]}}}}");
        return json.ToString();
    }

    private static string Record(long id, int sequence, long now) => string.Create(CultureInfo.InvariantCulture,
        $"{{\"id\":{id},\"status\":1,\"walletId\":1,\"amount\":{100 + sequence % 900},\"date\":1767225600000,\"category\":\"load\",\"remark\":\"written by the load test\",\"lastEditedBy\":\"floor\",\"lastEditedAt\":{now}}}");
}
