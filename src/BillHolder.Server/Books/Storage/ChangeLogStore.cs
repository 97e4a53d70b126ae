using System.Data.Common;
using System.Text.Json;
using BillHolder.Server.Books.Engine;
using BillHolder.Server.Infrastructure.Database;
using Dapper;

namespace BillHolder.Server.Books.Storage;

// The change log: one row per applied version of a book. After the book's checkpoint it is the book (loading is
// the checkpoint plus a replay of these rows); it also serves delta pulls (deletions since N) and the history.
internal sealed class ChangeLogStore(DbConnectionFactory connections)
{
    private const string InsertChange = """
        INSERT INTO book_change (book_id, version, sync_id, user_id, username, created_at, changes, deleted, summary, pre_images, conflicts)
        VALUES (@BookId, @Version, @SyncId, @UserId, @Username, @Now, @Changes, @Deleted, @Summary, @PreImages, @Conflicts)
        """;

    // The row of one applied version: the post-images of every record it changed (what replay upserts), the ids
    // it deleted, its summary, the pre-images (the bases of later merges) and the conflicts it made (null: none).
    public static LogRow Row(ChangeSet change, PreImages preImages, string? syncId, long userId, string username, ChangeSummary summary, long now) => new(
        change.BookId, change.ToVersion, syncId, userId, username, now,
        JsonSerializer.Serialize(change with { Deleted = ChangeSet.NoneDeleted, Conflicts = [] }, BookJson.Options),
        JsonSerializer.Serialize(change.Deleted, BookJson.Options),
        JsonSerializer.Serialize(summary, BookJson.Options),
        JsonSerializer.Serialize(preImages, BookJson.Options),
        change.Conflicts.Count == 0 ? null : JsonSerializer.Serialize(change.Conflicts, BookJson.Options));

    public static void Append(SqlBatch batch, LogRow row) => batch.Add(InsertChange, row);

    // A log row of a one-round-trip batch (BookWriter): its version is the sync's only if the head is still at the
    // version the batch started from (the head row is written after the batch's last log row) and the row's user may
    // edit the book (read after the head row's lock, so no membership change is missed); else NULL, which the NOT
    // NULL column refuses with an error: the statements after it (further rows, receipts, head, COMMIT) do not run.
    private const string InsertChangeIfCurrent = """
        INSERT INTO book_change (book_id, version, sync_id, user_id, username, created_at, changes, deleted, summary, pre_images, conflicts)
        VALUES (@BookId,
          (SELECT @Version FROM book_head h JOIN book_member m ON m.book_id = h.book_id AND m.user_id = @UserId
           WHERE h.book_id = @BookId AND h.version = @HeadVersion AND m.role IN ('owner', 'editor')),
          @SyncId, @UserId, @Username, @Now, @Changes, @Deleted, @Summary, @PreImages, @Conflicts)
        """;

    public static void AppendIfCurrent(SqlBatch batch, LogRow row, long headVersion) =>
        batch.Add(InsertChangeIfCurrent, row, new { HeadVersion = headVersion });

    public static Task AppendAsync(DbConnection connection, DbTransaction transaction, LogRow row, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(InsertChange, row, transaction, cancellationToken: cancellationToken));

    private const string SelectAfter = """
        SELECT version AS Version, changes AS Changes, deleted AS Deleted FROM book_change
        WHERE book_id = @BookId AND version > @After AND version <= @Upto ORDER BY version
        """;

    // The versions after `after` up to `upto`, for replay; null when the log does not hold every one of them.
    public static async Task<IReadOnlyList<LoggedChange>?> ReadAfterAsync(DbConnection connection, DbTransaction? transaction, long bookId,
        long after, long upto, CancellationToken cancellationToken)
    {
        if (upto <= after) return [];
        var rows = (await connection.QueryAsync<(long Version, string Changes, string Deleted)>(new CommandDefinition(SelectAfter,
            new { BookId = bookId, After = after, Upto = upto }, transaction, cancellationToken: cancellationToken))).AsList();
        if (rows.Count != upto - after || rows[0].Version != after + 1) return null;
        return rows.Select(row => new LoggedChange(
            JsonSerializer.Deserialize<ChangeSet>(row.Changes, BookJson.Options)! with
            {
                Deleted = JsonSerializer.Deserialize<ByCollection<IReadOnlyList<long>>>(row.Deleted, BookJson.Options)!,
            },
            row.Changes.Length + row.Deleted.Length)).ToList();
    }

    private const string SelectDeletedSince = """
        SELECT version AS Version, deleted AS Deleted, conflicts AS Conflicts FROM book_change
        WHERE book_id = @BookId AND version > @Since AND version <= @Current
        ORDER BY version
        """;

    // The deletions and conflicts after `since` up to `current`, or null when the log does not hold every one of
    // those versions any more (pruning goes by time, and clocks of several server processes may disagree).
    public static async Task<(ByCollection<IReadOnlyList<long>> Deleted, IReadOnlyList<ChangeConflict> Conflicts)?> DeletedSinceAsync(
        DbConnection connection, DbTransaction? transaction, long bookId, long since, long current, CancellationToken cancellationToken)
    {
        var rows = (await connection.QueryAsync<(long Version, string Deleted, string? Conflicts)>(new CommandDefinition(SelectDeletedSince,
            new { BookId = bookId, Since = since, Current = current }, transaction, cancellationToken: cancellationToken))).AsList();
        if (rows.Count != current - since || rows[0].Version != since + 1) return null;
        var deleted = ChangeSet.MergeDeleted(rows.Select(row =>
            JsonSerializer.Deserialize<ByCollection<IReadOnlyList<long>>>(row.Deleted, BookJson.Options)!));
        var conflicts = rows.Where(row => row.Conflicts is not null)
            .SelectMany(row => JsonSerializer.Deserialize<List<ChangeConflict>>(row.Conflicts!, BookJson.Options)!).ToList();
        return (deleted, conflicts);
    }

    private const string SelectPreImages = """
        SELECT version AS Version, pre_images AS PreImages FROM book_change
        WHERE book_id = @BookId AND version > @After AND version <= @Upto ORDER BY version
        """;

    // The bases a sync needs (rule 12), at most one query: the base of a record at version B is its pre-image in the
    // first row after B that touched it. `written` is the last version in the log; `unwritten` the pre-images of the
    // versions after it that this batch applied and has not written yet. A base is unavailable when a row after
    // it is missing (pruned) or has no pre-images (written before they were kept): the same condition as a delta
    // pull that cannot be served.
    public static async Task<SyncBases> FindBasesAsync(DbConnection connection, DbTransaction? transaction, long bookId, long written,
        BaseNeeds needs, IReadOnlyList<(long Version, PreImages PreImages)> unwritten, CancellationToken cancellationToken)
    {
        var after = needs.Oldest;
        var rows = after >= written ? []
            : (await connection.QueryAsync<(long Version, string? PreImages)>(new CommandDefinition(SelectPreImages,
                new { BookId = bookId, After = after, Upto = written }, transaction, cancellationToken: cancellationToken))).AsList();
        // Every version in (known, written] has its row with pre-images.
        var known = written;
        for (var i = rows.Count - 1; i >= 0 && rows[i].Version == known && rows[i].PreImages is not null; i--) known--;
        var images = rows.Where(row => row.Version > known)
            .Select(row => (row.Version, PreImages: JsonSerializer.Deserialize<PreImages>(row.PreImages!, BookJson.Options)!))
            .Concat(unwritten).ToList();

        var records = new Dictionary<(Collection, long), IBookRecord?>();
        foreach (var (collection, id, at) in needs.Records)
        {
            records[(collection, id)] = at < known ? null : BaseAt(images, collection, id, at);
        }
        var book = needs.BookBase is { } bookAt && bookAt >= known
            ? images.Where(row => row.Version > bookAt).Select(row => row.PreImages.Book).FirstOrDefault()
            : null;
        return new SyncBases(records, book);
    }

    // The pre-image in the first row after `at` that touched the record; none when that row created it (the
    // record did not exist at `at`, so a client cannot have edited it from there).
    private static IBookRecord? BaseAt(IEnumerable<(long Version, PreImages PreImages)> images, Collection collection, long id, long at)
    {
        foreach (var (_, preImages) in images.Where(row => row.Version > at))
        {
            if (preImages.Created?[collection].Contains(id) == true) return null;
            if (preImages.Find(collection, id) is { } found) return found;
        }
        return null;
    }

    // What changed since a client's version, for answers and pulls: everything when it has none, is ahead of the
    // book, or is older than the log.
    // The answers that need no log: everything for a client with no version or one ahead of the book, nothing
    // for one at the book's version; null otherwise.
    public static ChangeSet? ChangesWithoutLog(long bookId, BookState state, long? since) =>
        since is not { } from || from > state.Version ? ChangeSet.Snapshot(bookId, state)
        : from == state.Version ? ChangeSet.Since(bookId, state, from, ChangeSet.NoneDeleted)
        : null;

    public static async Task<ChangeSet> ChangesSinceAsync(DbConnection connection, DbTransaction? transaction, long bookId, BookState state,
        long? since, CancellationToken cancellationToken)
    {
        if (ChangesWithoutLog(bookId, state, since) is { } answer) return answer;
        var from = since!.Value;
        var logged = await DeletedSinceAsync(connection, transaction, bookId, from, state.Version, cancellationToken);
        return logged is not { } log ? ChangeSet.Snapshot(bookId, state)
            : ChangeSet.Since(bookId, state, from, log.Deleted) with { Conflicts = log.Conflicts };
    }

    private const string SelectHistory = """
        SELECT version AS Version, sync_id AS SyncId, username AS Username, created_at AS Time, summary AS Summary
        FROM book_change WHERE book_id = @BookId AND version < @Before
        ORDER BY version DESC LIMIT @Limit
        """;

    public async Task<IReadOnlyList<HistoryEntry>> HistoryAsync(long bookId, long before, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<HistoryRow>(new CommandDefinition(SelectHistory,
            new { BookId = bookId, Before = before, Limit = limit }, cancellationToken: cancellationToken));
        return rows.Select(r => new HistoryEntry(r.Version, r.SyncId, r.Username, r.Time,
            JsonSerializer.Deserialize<ChangeSummary>(r.Summary, BookJson.Options)!)).ToList();
    }

    private const string SelectPushes = """
        SELECT version AS Version, changes AS Changes, deleted AS Deleted, conflicts AS Conflicts FROM book_change
        WHERE book_id = @BookId AND version > @After ORDER BY version LIMIT @Limit
        """;

    // The versions after `after`, one change set each exactly as its sync pushed it (conflicts included), at most
    // `limit` of them: what an instance that did not take the syncs pushes to its connections. Null when the log
    // does not hold the version right after `after` any more (pruned), so the gap cannot be filled.
    public async Task<IReadOnlyList<ChangeSet>?> PushesAfterAsync(long bookId, long after, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        var rows = (await connection.QueryAsync<(long Version, string Changes, string Deleted, string? Conflicts)>(new CommandDefinition(SelectPushes,
            new { BookId = bookId, After = after, Limit = limit }, cancellationToken: cancellationToken))).AsList();
        var pushes = new List<ChangeSet>(rows.Count);
        foreach (var row in rows)
        {
            if (row.Version != after + pushes.Count + 1) return pushes.Count == 0 ? null : pushes;
            pushes.Add(JsonSerializer.Deserialize<ChangeSet>(row.Changes, BookJson.Options)! with
            {
                Deleted = JsonSerializer.Deserialize<ByCollection<IReadOnlyList<long>>>(row.Deleted, BookJson.Options)!,
                Conflicts = row.Conflicts is null ? [] : JsonSerializer.Deserialize<List<ChangeConflict>>(row.Conflicts, BookJson.Options)!,
            });
        }
        return pushes;
    }

    private const string SelectHistoryPage = """
        SELECT version AS Version, sync_id AS SyncId, username AS Username, created_at AS Time, summary AS Summary
        FROM book_change WHERE book_id = @BookId AND version > @After AND version <= @Upto
        ORDER BY version LIMIT @Limit
        """;

    // The whole history up to a version, oldest first, read a page at a time as the caller consumes it (an export
    // streams it to a client of any speed, so no command stays open meanwhile). The rows up to that version never
    // change; only retention may take the oldest in between.
    public async IAsyncEnumerable<HistoryEntry> HistoryUpToAsync(long bookId, long upto,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        const int pageSize = 1_000;
        await using var connection = await connections.OpenAsync(cancellationToken);
        var after = 0L;
        while (true)
        {
            var page = (await connection.QueryAsync<HistoryRow>(new CommandDefinition(SelectHistoryPage,
                new { BookId = bookId, After = after, Upto = upto, Limit = pageSize }, cancellationToken: cancellationToken))).AsList();
            foreach (var r in page)
            {
                yield return new HistoryEntry(r.Version, r.SyncId, r.Username, r.Time,
                    JsonSerializer.Deserialize<ChangeSummary>(r.Summary, BookJson.Options)!);
            }
            if (page.Count < pageSize) yield break;
            after = page[^1].Version;
        }
    }

    // Never a row the book's checkpoint still needs: the versions after it are the book. A single-table DELETE
    // (MariaDB and MySQL refuse LIMIT in multi-table ones) with a correlated subquery on the book row.
    private const string DeleteOldChanges = """
        DELETE FROM book_change WHERE created_at < @Before
          AND version <= (SELECT b.checkpointVersion FROM book b WHERE b.id = book_change.book_id)
        LIMIT 10000
        """;

    public async Task<int> PruneAsync(long before, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenForLongWorkAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(DeleteOldChanges, new { Before = before }, cancellationToken: cancellationToken));
    }

    private sealed record HistoryRow(long Version, string? SyncId, string Username, long Time, string Summary);
}

internal sealed record LogRow(long BookId, long Version, string? SyncId, long UserId, string Username, long Now,
    string Changes, string Deleted, string Summary, string PreImages, string? Conflicts)
{
    // What the row adds to the log since the last checkpoint, which decides when the next one is due.
    public long Bytes => Changes.Length + Deleted.Length;
}

// One version as the log holds it, with what its row weighs.
internal sealed record LoggedChange(ChangeSet Change, long Bytes);
