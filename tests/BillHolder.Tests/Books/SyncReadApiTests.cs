using System.Net;
using BillHolder.Server.Books.Storage;
using BillHolder.Tests.Infrastructure;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using static BillHolder.Tests.Infrastructure.TestClient;

namespace BillHolder.Tests.Books;

// Reading a book's past over REST: pulls, history, consistency, and what retention forgets.
public sealed class SyncReadApiTests(BillHolderServer server) : IClassFixture<BillHolderServer>
{
    [Fact]
    public async Task Retention_PrunedReceiptsAreForgotten_AndPullsOlderThanTheLogGetASnapshot()
    {
        var user = await server.NewUserAsync();
        var bookId = await user.CreateB0Async();
        await user.SyncOkAsync(bookId, new { syncId = "old", bills = new[] { Bill(1, 1, 1, 11) } });
        await user.SyncOkAsync(bookId, new { syncId = "newer", bills = new[] { Bill(1, 1, 1, 12) } });

        // Forget everything up to now, as the hourly pruner does once the retention has passed: every receipt, but
        // of the log only what the book's checkpoint (its creation, version 1) already holds.
        var receipts = new ReceiptStore(server.Database.Connections());
        var changeLog = new ChangeLogStore(server.Database.Connections());
        var now = DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeMilliseconds();
        Assert.True(await receipts.PruneAsync(now, CancellationToken.None) >= 2);
        await changeLog.PruneAsync(now, CancellationToken.None);
        Assert.Equal([2L, 3L], await LoggedVersionsAsync(bookId));

        // Once a checkpoint holds version 3, the rows up to it may go too.
        await server.App.Services.GetRequiredService<Checkpointer>().CheckpointAsync(bookId, CancellationToken.None);
        await changeLog.PruneAsync(now, CancellationToken.None);
        Assert.Empty(await LoggedVersionsAsync(bookId));

        var older = await (await user.Http.GetAsync($"/api/books/{bookId}/changes?since=1")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.True(older.GetProperty("full").GetBoolean());
        var current = await (await user.Http.GetAsync($"/api/books/{bookId}/changes?since=3")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.False(current.GetProperty("full").GetBoolean());
        // A forgotten syncId is a new sync: it applies again (which is why receipts live at least 7 days).
        var again = await user.SyncOkAsync(bookId, new { syncId = "old", bills = new[] { Bill(1, 1, 1, 13) } });
        Assert.Equal(4, again.GetProperty("version").GetInt64());
    }

    private async Task<List<long>> LoggedVersionsAsync(long bookId)
    {
        await using var connection = await server.Database.Connections().OpenAsync(CancellationToken.None);
        return (await connection.QueryAsync<long>("SELECT version FROM book_change WHERE book_id = @BookId ORDER BY version",
            new { BookId = bookId })).AsList();
    }

    [Fact]
    public async Task Changes_SinceAVersion_ReturnTheChangesAndDeletions()
    {
        var user = await server.NewUserAsync();
        var bookId = await user.CreateB0Async();
        await user.SyncOkAsync(bookId, new { syncId = "a", bills = new[] { Bill(1, 1, 1, 15) } });
        await user.SyncOkAsync(bookId, new { syncId = "b", transfers = new[] { new { id = 1, status = 2 } } });

        var since2 = await (await user.Http.GetAsync($"/api/books/{bookId}/changes?since=2")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.False(since2.GetProperty("full").GetBoolean());
        Assert.Equal(3, since2.GetProperty("toVersion").GetInt64());
        Assert.Equal([1L], since2.GetProperty("deleted").GetProperty("transfers").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal(0, since2.GetProperty("bills").GetArrayLength());
        Assert.Equal([1L, 2L], since2.GetProperty("wallets").EnumerateArray().Select(w => w.GetProperty("id").GetInt64()).Order());

        var since1 = await (await user.Http.GetAsync($"/api/books/{bookId}/changes?since=1")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal([1L], since1.GetProperty("bills").EnumerateArray().Select(b => b.GetProperty("id").GetInt64()));

        var current = await (await user.Http.GetAsync($"/api/books/{bookId}/changes?since=3")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(0, current.GetProperty("wallets").GetArrayLength());
        Assert.False(current.GetProperty("full").GetBoolean());

        foreach (var query in new[] { "", "?since=99" })
        {
            var full = await (await user.Http.GetAsync($"/api/books/{bookId}/changes{query}")).ReadJsonAsync(HttpStatusCode.OK);
            Assert.True(full.GetProperty("full").GetBoolean());
            Assert.Equal(2, full.GetProperty("bills").GetArrayLength());
        }
        await (await user.Http.GetAsync($"/api/books/{bookId}/changes?since=-1")).ProblemAsync(HttpStatusCode.UnprocessableEntity, "validation_failed");
    }

    [Fact]
    public async Task History_ListsAppliedSyncsNewestFirstWithCounts()
    {
        var user = await server.NewUserAsync();
        var bookId = await user.CreateB0Async();
        await user.SyncOkAsync(bookId, new { syncId = "h1", bills = new object[] { Bill(-1, 3, 1, 1), Bill(1, 1, 1, 2), new { id = 2, status = 2 } } });
        await user.SyncOkAsync(bookId, new { syncId = "h-noop", bills = new[] { Bill(1, 0, 1, 2) } });
        await user.SyncOkAsync(bookId, new { syncId = "h2", incomes = new[] { Income(1, 1, 1, 1) } });

        var history = await (await user.Http.GetAsync($"/api/books/{bookId}/history")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal([3L, 2L, 1L], history.EnumerateArray().Select(h => h.GetProperty("version").GetInt64()));
        var h1 = history[1];
        Assert.Equal("h1", h1.GetProperty("syncId").GetString());
        Assert.Equal(user.Username, h1.GetProperty("username").GetString());
        var bills = h1.GetProperty("summary").GetProperty("bills");
        Assert.Equal((1, 1, 1), (bills.GetProperty("new").GetInt32(), bills.GetProperty("modified").GetInt32(), bills.GetProperty("deleted").GetInt32()));

        var page = await (await user.Http.GetAsync($"/api/books/{bookId}/history?before=3&limit=1")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal([2L], page.EnumerateArray().Select(h => h.GetProperty("version").GetInt64()));
        await (await user.Http.GetAsync($"/api/books/{bookId}/history?limit=0")).ProblemAsync(HttpStatusCode.UnprocessableEntity, "validation_failed");
    }

    [Fact]
    public async Task Consistency_ReportsStoredAndRecomputedBalances()
    {
        var user = await server.NewUserAsync();
        var bookId = await user.CreateB0Async();
        var report = await (await user.Http.GetAsync($"/api/books/{bookId}/consistency")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.True(report.GetProperty("ok").GetBoolean());
        var wallet1 = report.GetProperty("wallets").EnumerateArray().Single(w => w.GetProperty("walletId").GetInt64() == 1);
        Assert.Equal(70, wallet1.GetProperty("storedBalance").GetInt64());
        Assert.Equal(70, wallet1.GetProperty("recomputedBalance").GetInt64());
    }
}
