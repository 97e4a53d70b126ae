using MySqlConnector;

namespace BillHolder.LoadTest;

// Bytes InnoDB wrote to its redo log, from SHOW GLOBAL STATUS (no privilege needed). The counter is global: it
// counts every writer of the database server, so a delta is per scenario only while nothing else writes to it
// (each worktree's scripts/db.sh runs its own MariaDB; run.sh runs one scenario at a time).
internal sealed class Redo : IAsyncDisposable
{
    private readonly MySqlConnection _connection;

    private Redo(MySqlConnection connection) => _connection = connection;

    // Null without --db: the redo column is then left out of the result line.
    public static async Task<Redo?> OpenAsync(string? connectionString)
    {
        if (string.IsNullOrEmpty(connectionString)) return null;
        var connection = new MySqlConnection(Loopback(connectionString));
        await connection.OpenAsync();
        return new Redo(connection);
    }

    // Refuses any database that is not on this machine's loopback.
    public static string Loopback(string connectionString)
    {
        var builder = new MySqlConnectionStringBuilder(connectionString);
        if (builder.Server is not ("127.0.0.1" or "localhost" or "::1"))
            throw new ArgumentException("refusing a database that is not on 127.0.0.1");
        return builder.ConnectionString;
    }

    public async Task<long> WrittenAsync()
    {
        await using var command = new MySqlCommand("SHOW GLOBAL STATUS LIKE 'Innodb_os_log_written'", _connection);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? long.Parse(reader.GetString(1), System.Globalization.CultureInfo.InvariantCulture) : 0;
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();

    public static string Field(long? before, long? after, int syncs) =>
        before is { } b && after is { } a && syncs > 0
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $" redo_bytes_per_sync={(a - b) / (double)syncs:0}")
            : "";
}
