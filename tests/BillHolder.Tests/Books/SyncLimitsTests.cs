using System.Net;
using System.Net.Http.Json;
using BillHolder.Tests.Infrastructure;
using Dapper;
using static BillHolder.Tests.Infrastructure.TestClient;

namespace BillHolder.Tests.Books;

public sealed class SmallBooksServer : IAsyncLifetime
{
    public const int MaxRecordsPerBook = 10;

    public BillHolderServer Server { get; } = new();

    public Task InitializeAsync()
    {
        Server.Settings["Sync:MaxRecordsPerBook"] = MaxRecordsPerBook.ToString();
        return Server.InitializeAsync();
    }

    public Task DisposeAsync() => Server.DisposeAsync();
}

// Limits and log gaps: a book cannot grow past its cap, and a pull never trusts a log with holes.
public sealed class SyncLimitsTests(SmallBooksServer small) : IClassFixture<SmallBooksServer>
{
    private BillHolderServer Server => small.Server;

    [Fact]
    public async Task Sync_ThatWouldGrowABookPastItsCap_Returns422_ButShrinkingStillWorks()
    {
        var user = await Server.NewUserAsync();
        var bookId = await user.CreateB0Async(); // 7 records
        var problem = await (await user.SyncAsync(bookId, new { syncId = "grow", bills = new[] { Bill(-1, 3, 1, 1), Bill(-2, 3, 1, 1), Bill(-3, 3, 1, 1), Bill(-4, 3, 1, 1) } }))
            .ProblemAsync(HttpStatusCode.UnprocessableEntity, "validation_failed");
        Assert.Equal(["book"], problem.ErrorKeys());
        Assert.Equal(1, problem.GetProperty("version").GetInt64());

        await user.SyncOkAsync(bookId, new { syncId = "fits", bills = new[] { Bill(-1, 3, 1, 1), Bill(-2, 3, 1, 1), Bill(-3, 3, 1, 1) } });
        var shrink = await user.SyncOkAsync(bookId, new { syncId = "shrink", bills = new[] { new { id = 1, status = 2 } } });
        Assert.True(shrink.GetProperty("applied").GetBoolean());

        var tooBig = await user.Http.PostAsJsonAsync("/api/books", new
        {
            name = "Big",
            bills = Enumerable.Range(1, 11).Select(i => Bill(-i, 3, -1, 1)).ToArray(),
            wallets = new[] { Wallet(-1, 3, "W") },
        });
        Assert.Equal(["book"], (await tooBig.ProblemAsync(HttpStatusCode.UnprocessableEntity, "validation_failed")).ErrorKeys());
    }

    [Fact]
    public async Task Changes_WhenTheLogHasAHole_AnswerAFullSnapshot()
    {
        var user = await Server.NewUserAsync();
        var bookId = await user.CreateB0Async();
        await user.SyncOkAsync(bookId, new { syncId = "v2", bills = new[] { new { id = 1, status = 2 } } });
        await user.SyncOkAsync(bookId, new { syncId = "v3", bills = new[] { Bill(2, 1, 2, 6) } });
        await using (var connection = await Server.Database.Connections().OpenAsync(CancellationToken.None))
        {
            // As a time-based prune with disagreeing clocks could leave it: version 2 gone, 1 and 3 kept.
            await connection.ExecuteAsync("DELETE FROM book_change WHERE book_id = @BookId AND version = 2", new { BookId = bookId });
        }

        var changes = await (await user.Http.GetAsync($"/api/books/{bookId}/changes?since=1")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.True(changes.GetProperty("full").GetBoolean());
        var recent = await (await user.Http.GetAsync($"/api/books/{bookId}/changes?since=2")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.False(recent.GetProperty("full").GetBoolean());
    }
}
