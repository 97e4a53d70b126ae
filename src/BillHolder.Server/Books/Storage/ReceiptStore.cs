using System.Text.Json;
using BillHolder.Server.Books.Engine;
using BillHolder.Server.Infrastructure.Database;
using Dapper;

namespace BillHolder.Server.Books.Storage;

// Sync receipts: the first answer to each syncId of a book, so a retried sync is answered, never applied twice.
// Receipts are read together with the head row lock (BookStore.BeginAndLockForSyncAsync).
internal sealed class ReceiptStore(DbConnectionFactory connections)
{
    private const string InsertReceipt = """
        INSERT INTO sync_receipt (book_id, sync_id, payload_hash, result, created_at) VALUES (@BookId, @SyncId, @PayloadHash, @Result, @Now)
        """;

    public static void Insert(SqlBatch batch, long bookId, string syncId, string payloadHash, SyncResult result, long now) =>
        batch.Add(InsertReceipt, new
        {
            BookId = bookId,
            SyncId = syncId,
            PayloadHash = payloadHash,
            Result = JsonSerializer.Serialize(Receipt.From(result), BookJson.Options),
            Now = now,
        });

    public static SyncResult Read(string result) => JsonSerializer.Deserialize<Receipt>(result, BookJson.Options)!.ToResult();

    // What a receipt keeps of the first answer: not its changes (recomputed for each replay from the caller's
    // baseVersion) and not whether it was a replay (every answer read from a receipt is one).
    // Its conflicts and whole records too: a retry gets the first answer, conflicts included (receipts written
    // before those existed read them as empty).
    private sealed record Receipt(long BookId, string SyncId, long Version, bool Applied,
        ByCollection<IReadOnlyDictionary<long, long>> IdMap, IReadOnlyList<SkippedDto> Skipped)
    {
        public IReadOnlyList<Engine.MergeConflict> Conflicts { get; init; } = [];

        public IReadOnlyList<Engine.WholeRecord> WholeRecords { get; init; } = [];

        public static Receipt From(SyncResult result) =>
            new(result.BookId, result.SyncId, result.Version, result.Applied, result.IdMap, result.Skipped)
            {
                Conflicts = result.Conflicts,
                WholeRecords = result.WholeRecords,
            };

        public SyncResult ToResult() => new(BookId, SyncId, Version, Applied, IdMap, Skipped, Changes: null)
        {
            Replayed = true,
            Conflicts = Conflicts,
            WholeRecords = WholeRecords,
        };
    }

    private const string DeleteOldReceipts = "DELETE FROM sync_receipt WHERE created_at < @Before LIMIT 10000";

    public async Task<int> PruneAsync(long before, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenForLongWorkAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(DeleteOldReceipts, new { Before = before }, cancellationToken: cancellationToken));
    }
}
