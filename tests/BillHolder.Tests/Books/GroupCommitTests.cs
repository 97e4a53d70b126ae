using System.Net;
using BillHolder.Server.Books;
using BillHolder.Tests.Infrastructure;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using static BillHolder.Tests.Infrastructure.TestClient;

namespace BillHolder.Tests.Books;

// Syncs that queue behind a book's lock share one transaction, each with its own version, log row, receipt and
// answer. The tests hold the book's lock themselves so that the queue, and so the batch, is exactly what they send.
public sealed class GroupCommitTests(BillHolderServer server) : IClassFixture<BillHolderServer>
{
    private BookWriter Writer => server.App.Services.GetRequiredService<BookWriter>();

    private Task<HttpResponseMessage[]> SendAsOneBatchAsync(UserClient user, long bookId, params object[] syncs) =>
        QueuedSyncs.SendAsOneBatchAsync(server, bookId, [.. syncs.Select(body => (Func<Task<HttpResponseMessage>>)(() => user.SyncAsync(bookId, body)))]);

    private Task<HttpResponseMessage[]> SendInOrderAsOneBatchAsync(UserClient user, long bookId, params object[] syncs) =>
        QueuedSyncs.SendInOrderAsOneBatchAsync(server, bookId, [.. syncs.Select(body => (Func<Task<HttpResponseMessage>>)(() => user.SyncAsync(bookId, body)))]);

    [Fact]
    public async Task Batch_WithARejectedSyncInTheMiddle_AppliesTheOthers_EachWithItsOwnVersion()
    {
        var user = await server.NewUserAsync();
        var bookId = await user.CreateB0Async();

        var answers = await SendAsOneBatchAsync(user, bookId,
            new { syncId = "b1", baseVersion = 1, bills = new[] { Bill(-1, 3, 1, 1) } },
            new { syncId = "b2", baseVersion = 1, bills = new[] { Bill(-1, 3, 2, 2) } },
            new { syncId = "bad", baseVersion = 1, bills = new[] { Bill(-1, 3, 99, 3) } },
            new { syncId = "b3", baseVersion = 1, incomes = new[] { Income(-1, 3, 1, 4) } });

        Assert.True(Writer.LargestBatch >= 4);
        var versions = new List<long>();
        foreach (var answer in answers.Where((_, i) => i != 2)) versions.Add((await answer.ReadJsonAsync(HttpStatusCode.OK)).GetProperty("version").GetInt64());
        // The order within the batch is the order of arrival, which concurrent requests do not fix.
        Assert.Equal([2L, 3L, 4L], versions.Order());
        var refused = await answers[2].ProblemAsync(HttpStatusCode.Conflict, "unknown_wallet");
        Assert.InRange(refused.GetProperty("version").GetInt64(), 1, 4);
        // Each answer carries what changed since its baseVersion, up to its own version.
        var after = await user.SyncOkAsync(bookId, new { syncId = "after", baseVersion = 1 });
        Assert.Equal(2, after.GetProperty("changes").GetProperty("bills").GetArrayLength());
        Assert.Equal(new Dictionary<long, long> { [1] = 73, [2] = 53 }, await user.BalancesAsync(bookId));
        await user.AssertConsistentAsync(bookId);
    }

    [Fact]
    public async Task Batch_SameSyncIdTwice_IsAppliedOnce_AndARetryLaterGetsTheSameAnswer()
    {
        var user = await server.NewUserAsync();
        var bookId = await user.CreateB0Async();
        var body = new { syncId = "twice", bills = new[] { Bill(-1, 3, 1, 9) } };

        var answers = await SendInOrderAsOneBatchAsync(user, bookId, body, body,
            new { syncId = "twice", bills = new[] { Bill(-1, 3, 1, 10) } });

        var first = await answers[0].ReadJsonAsync(HttpStatusCode.OK);
        var second = await answers[1].ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal("true", answers[1].Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(first.GetProperty("idMap").GetRawText(), second.GetProperty("idMap").GetRawText());
        await answers[2].ProblemAsync(HttpStatusCode.Conflict, "sync_id_reused");
        var retry = await user.SyncOkAsync(bookId, body);
        Assert.Equal(2, retry.GetProperty("version").GetInt64());
        Assert.Equal(2, (await user.BookAsync(bookId)).GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task Batch_WhoseTransactionFails_IsTriedAgainSyncBySync()
    {
        var user = await server.NewUserAsync();
        var bookId = await user.CreateB0Async();
        // A database that refuses one receipt fails the whole batch's transaction.
        await using (var connection = await server.Database.Connections().OpenAsync(CancellationToken.None))
        {
            await connection.ExecuteAsync("""
                CREATE TRIGGER refuse_poison BEFORE INSERT ON sync_receipt FOR EACH ROW
                BEGIN
                  IF NEW.sync_id = 'poison' THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'refused by the test'; END IF;
                END
                """);
        }
        try
        {
            var answers = await SendAsOneBatchAsync(user, bookId,
                new { syncId = "fine-1", bills = new[] { Bill(-1, 3, 1, 1) } },
                new { syncId = "poison", bills = new[] { Bill(-1, 3, 1, 2) } },
                new { syncId = "fine-2", bills = new[] { Bill(-1, 3, 1, 3) } });

            var fine = new[] { await answers[0].ReadJsonAsync(HttpStatusCode.OK), await answers[2].ReadJsonAsync(HttpStatusCode.OK) };
            Assert.Equal([2L, 3L], fine.Select(a => a.GetProperty("version").GetInt64()).Order());
            await answers[1].ProblemAsync(HttpStatusCode.InternalServerError, "internal_error");
            Assert.Equal(2, (await user.BookAsync(bookId)).GetProperty("bills").EnumerateArray().Count(b => b.GetProperty("amount").GetInt64() < 4));

            // The failed batch's connection went back to the pool with its transaction rolled back: nothing of it
            // was committed later by the next START TRANSACTION on that connection, and it holds no lock.
            await using var check = await server.Database.Connections().OpenAsync(CancellationToken.None);
            Assert.Equal([1L, 2L, 3L], await check.QueryAsync<long>("SELECT version FROM book_change WHERE book_id = @bookId ORDER BY version", new { bookId }));
            Assert.Equal(2, await check.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM sync_receipt WHERE book_id = @bookId AND sync_id LIKE 'fine-%'", new { bookId }));
            await using var transaction = await check.BeginTransactionAsync();
            Assert.Equal(3L, await check.ExecuteScalarAsync<long>("SELECT version FROM book_head WHERE book_id = @bookId FOR UPDATE NOWAIT", new { bookId }, transaction));
        }
        finally
        {
            await using var connection = await server.Database.Connections().OpenAsync(CancellationToken.None);
            await connection.ExecuteAsync("DROP TRIGGER IF EXISTS refuse_poison");
        }
    }
}
