using System.Text.Json;
using BillHolder.Server.Infrastructure.Database;
using Dapper;

namespace BillHolder.Server.Books.Storage;

// Sync receipts: the first answer to each syncId of a book, so a retried sync is answered, never applied twice.
// Receipts are read together with the head row lock (BookStore.LockForSyncAsync).
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
            Result = JsonSerializer.Serialize(result with { Changes = null }, BookJson.Options),
            Now = now,
        });

    public static SyncResult Read(string result) => JsonSerializer.Deserialize<SyncResult>(result, BookJson.Options)!;

    private const string DeleteOldReceipts = "DELETE FROM sync_receipt WHERE created_at < @Before LIMIT 10000";

    public async Task<int> PruneAsync(long before, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(DeleteOldReceipts, new { Before = before }, cancellationToken: cancellationToken));
    }
}
