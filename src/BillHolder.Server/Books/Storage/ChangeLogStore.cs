using System.Data.Common;
using System.Text.Json;
using BillHolder.Server.Books.Engine;
using BillHolder.Server.Infrastructure.Database;
using Dapper;

namespace BillHolder.Server.Books.Storage;

// The change log: one row per applied version of a book, with what it changed. It serves delta pulls
// (deletions since N), the history, and (with the records' versions) every ChangeSet after a snapshot.
internal sealed class ChangeLogStore(DbConnectionFactory connections)
{
    private const string InsertChange = """
        INSERT INTO book_change (book_id, version, sync_id, user_id, username, created_at, changes, deleted, summary)
        VALUES (@BookId, @Version, @SyncId, @UserId, @Username, @Now, @Changes, @Deleted, @Summary)
        """;

    public static Task AppendAsync(DbConnection connection, DbTransaction transaction, ChangeSet change, string? syncId,
        long userId, string username, ChangeSummary summary, long now, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(InsertChange, new
        {
            change.BookId,
            Version = change.ToVersion,
            SyncId = syncId,
            UserId = userId,
            Username = username,
            Now = now,
            Changes = JsonSerializer.Serialize(change with { Deleted = ChangeSet.NoneDeleted }, BookJson.Options),
            Deleted = JsonSerializer.Serialize(change.Deleted, BookJson.Options),
            Summary = JsonSerializer.Serialize(summary, BookJson.Options),
        }, transaction, cancellationToken: cancellationToken));

    private const string SelectDeletedSince = """
        SELECT version AS Version, deleted AS Deleted FROM book_change WHERE book_id = @BookId AND version > @Since ORDER BY version
        """;

    // The deletions after `since` up to `current`, or null when the log does not hold every one of those
    // versions any more (pruning goes by time, and clocks of several server processes may disagree).
    public static async Task<ByCollection<IReadOnlyList<long>>?> DeletedSinceAsync(DbConnection connection, DbTransaction? transaction,
        long bookId, long since, long current, CancellationToken cancellationToken)
    {
        var rows = (await connection.QueryAsync<(long Version, string Deleted)>(new CommandDefinition(SelectDeletedSince,
            new { BookId = bookId, Since = since }, transaction, cancellationToken: cancellationToken))).AsList();
        if (rows.Count != current - since || rows[0].Version != since + 1) return null;
        return ChangeSet.MergeDeleted(rows.Select(row =>
            JsonSerializer.Deserialize<ByCollection<IReadOnlyList<long>>>(row.Deleted, BookJson.Options)!));
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

    private const string DeleteOldChanges = "DELETE FROM book_change WHERE created_at < @Before LIMIT 10000";

    public async Task<int> PruneAsync(long before, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenForLongWorkAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(DeleteOldChanges, new { Before = before }, cancellationToken: cancellationToken));
    }

    private sealed record HistoryRow(long Version, string? SyncId, string Username, long Time, string Summary);
}
