using System.Data.Common;
using System.Text.Json;
using BillHolder.Server.Books;
using BillHolder.Server.Infrastructure.Database;
using Dapper;

namespace BillHolder.Server.Sync;

// The change log (one row per applied version) and the receipts that make a retried syncId a no-op.
internal sealed class SyncLogStore(DbConnectionFactory connections)
{
    // One round trip at the start of a sync: takes the book row lock (serializing syncs across server
    // processes) and brings the caller's role and any receipt for this syncId along with it.
    private const string LockForSync = """
        SELECT b.version AS Version, m.role AS Role, r.payload_hash AS PayloadHash, r.result AS Result
        FROM book b
        LEFT JOIN book_member m ON m.book_id = b.id AND m.user_id = @UserId
        LEFT JOIN sync_receipt r ON r.book_id = b.id AND r.sync_id = @SyncId
        WHERE b.id = @BookId
        FOR UPDATE
        """;

    public static Task<SyncStart?> LockForSyncAsync(DbConnection connection, DbTransaction transaction, long bookId, long userId,
        string syncId, CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync<SyncStart>(new CommandDefinition(LockForSync,
            new { BookId = bookId, UserId = userId, SyncId = syncId }, transaction, cancellationToken: cancellationToken));

    private const string InsertReceipt = """
        INSERT INTO sync_receipt (book_id, sync_id, payload_hash, result, created_at) VALUES (@BookId, @SyncId, @PayloadHash, @Result, @Now)
        """;

    public static Task InsertReceiptAsync(DbConnection connection, DbTransaction transaction, long bookId, string syncId, string payloadHash,
        SyncResult result, long now, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(InsertReceipt, new
        {
            BookId = bookId,
            SyncId = syncId,
            PayloadHash = payloadHash,
            Result = JsonSerializer.Serialize(result with { Changes = null }, BookJson.Options),
            Now = now,
        }, transaction, cancellationToken: cancellationToken));

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
            Changes = JsonSerializer.Serialize(change with { Deleted = DeletedIds.None }, BookJson.Options),
            Deleted = JsonSerializer.Serialize(change.Deleted, BookJson.Options),
            Summary = JsonSerializer.Serialize(summary, BookJson.Options),
        }, transaction, cancellationToken: cancellationToken));

    private const string SelectDeletedSince = """
        SELECT version AS Version, deleted AS Deleted FROM book_change WHERE book_id = @BookId AND version > @Since ORDER BY version
        """;

    // The deletions after `since` up to `current`, or null when the log does not hold every one of those
    // versions any more (pruning goes by time, and clocks of several server processes may disagree).
    public static async Task<DeletedIds?> DeletedSinceAsync(DbConnection connection, DbTransaction? transaction, long bookId, long since,
        long current, CancellationToken cancellationToken)
    {
        var rows = (await connection.QueryAsync<(long Version, string Deleted)>(new CommandDefinition(SelectDeletedSince,
            new { BookId = bookId, Since = since }, transaction, cancellationToken: cancellationToken))).AsList();
        if (rows.Count != current - since || rows[0].Version != since + 1) return null;
        return DeletedIds.Merge(rows.Select(row => JsonSerializer.Deserialize<DeletedIds>(row.Deleted, BookJson.Options)!));
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

    private const string DeleteOldReceipts = "DELETE FROM sync_receipt WHERE created_at < @Before LIMIT 10000";
    private const string DeleteOldChanges = "DELETE FROM book_change WHERE created_at < @Before LIMIT 10000";

    public async Task<int> PruneReceiptsAsync(long before, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(DeleteOldReceipts, new { Before = before }, cancellationToken: cancellationToken));
    }

    public async Task<int> PruneChangesAsync(long before, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(DeleteOldChanges, new { Before = before }, cancellationToken: cancellationToken));
    }

    internal sealed class SyncStart
    {
        public long Version { get; init; }
        public string? Role { get; init; }
        public string? PayloadHash { get; init; }
        public string? Result { get; init; }
    }

    private sealed record HistoryRow(long Version, string? SyncId, string Username, long Time, string Summary);
}
