using System.Net;
using System.Net.Http.Json;
using BillHolder.Server.Books;
using BillHolder.Tests.Infrastructure;
using Dapper;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using static BillHolder.Tests.Infrastructure.TestClient;

namespace BillHolder.Tests.Books;

// A lone sync of a cached book goes optimistically, lock, writes and COMMIT in one round trip. Whenever the
// database disagrees with what the cache assumed (another instance wrote the book, the user's role changed, the
// syncId was used before) that round trip writes nothing and the sync takes the full path, which answers from
// what the database holds. Each test checks both: which path ran, and that the stored book is exactly right.
public sealed class OneRoundTripSyncTests(BillHolderServer server) : IClassFixture<BillHolderServer>
{
    private BookWriter Writer => server.App.Services.GetRequiredService<BookWriter>();

    private async Task<(long Versions, long Receipts)> StoredAsync(long bookId)
    {
        await using var connection = await server.Database.Connections().OpenAsync(CancellationToken.None);
        return (await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM book_change WHERE book_id = @bookId", new { bookId }),
            await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM sync_receipt WHERE book_id = @bookId", new { bookId }));
    }

    private static UserClient Via(WebApplicationFactory<Program> host, UserClient user)
    {
        var http = host.CreateClient();
        http.DefaultRequestHeaders.Authorization = user.Http.DefaultRequestHeaders.Authorization;
        return user with { Http = http };
    }

    [Fact]
    public async Task Sync_OfACachedBook_CommitsInOneRoundTrip()
    {
        var user = await server.NewUserAsync();
        var bookId = await user.CreateB0Async();
        var (committed, fellBack) = (Writer.OneRoundTrips, Writer.OneRoundTripFallbacks);

        var answer = await user.SyncOkAsync(bookId, new { syncId = "one", baseVersion = 1, bills = new[] { Bill(-1, 3, 1, 5) } });

        Assert.Equal(committed + 1, Writer.OneRoundTrips);
        Assert.Equal(fellBack, Writer.OneRoundTripFallbacks);
        Assert.Equal(2, answer.GetProperty("version").GetInt64());
        Assert.False(answer.GetProperty("replayed").GetBoolean());
        Assert.Single(answer.GetProperty("changes").GetProperty("bills").EnumerateArray());
        Assert.Equal((2, 1), await StoredAsync(bookId));
        Assert.Equal(2, (await user.BookAsync(bookId)).GetProperty("version").GetInt64());
        Assert.Equal(new Dictionary<long, long> { [1] = 70 - 5, [2] = 55 }, await user.BalancesAsync(bookId));
        await user.AssertConsistentAsync(bookId);
    }

    [Fact]
    public async Task Sync_AfterAnotherInstanceWroteTheBook_FallsBack_AndItsAnswerCarriesTheOtherWrite()
    {
        await using var second = ExtraHost.Create(server.Database.ConnectionString);
        var user = await server.NewUserAsync();
        var viaSecond = Via(second, user);
        var bookId = await user.CreateB0Async();
        await user.SyncOkAsync(bookId, new { syncId = "a1", baseVersion = 1, bills = new[] { Bill(-1, 3, 1, 1) } });
        await viaSecond.SyncOkAsync(bookId, new { syncId = "b1", baseVersion = 2, incomes = new[] { Income(-1, 3, 2, 9) } });
        var (committed, fellBack) = (Writer.OneRoundTrips, Writer.OneRoundTripFallbacks);

        // This instance's cache still says version 2: the round trip is refused, the full path brings it forward.
        var answer = await user.SyncOkAsync(bookId, new { syncId = "a2", baseVersion = 2, bills = new[] { Bill(-1, 3, 1, 2) } });

        Assert.Equal(fellBack + 1, Writer.OneRoundTripFallbacks);
        Assert.Equal(committed, Writer.OneRoundTrips);
        Assert.Equal(4, answer.GetProperty("version").GetInt64());
        var incomes = answer.GetProperty("changes").GetProperty("incomes").EnumerateArray().ToList();
        Assert.Contains(incomes, income => income.GetProperty("amount").GetInt64() == 9);
        Assert.Equal((4, 3), await StoredAsync(bookId));
        Assert.Equal(new Dictionary<long, long> { [1] = 70 - 1 - 2, [2] = 55 + 9 }, await viaSecond.BalancesAsync(bookId));
        await user.AssertConsistentAsync(bookId);

        // Current again: the next one is back to one round trip.
        await user.SyncOkAsync(bookId, new { syncId = "a3", baseVersion = 4, bills = new[] { Bill(-1, 3, 1, 3) } });
        Assert.Equal(committed + 1, Writer.OneRoundTrips);
    }

    [Fact]
    public async Task Sync_OfAnEditorDemotedOrRemovedOnAnotherInstance_IsRefused_AndWritesNothing()
    {
        await using var second = ExtraHost.Create(server.Database.ConnectionString);
        var owner = await server.NewUserAsync("owner");
        var editor = await server.NewUserAsync("editor");
        var bookId = await owner.CreateB0Async();
        await owner.SetRoleAsync(bookId, editor.Username, "editor");
        await editor.SyncOkAsync(bookId, new { syncId = "e1", baseVersion = 1, bills = new[] { Bill(-1, 3, 1, 1) } });
        var ownerViaSecond = Via(second, owner);

        // Demoted where this instance cannot see it: its cached book is still current, the role is not.
        await ownerViaSecond.SetRoleAsync(bookId, editor.Username, "viewer");
        var fellBack = Writer.OneRoundTripFallbacks;
        var asViewer = await editor.SyncAsync(bookId, new { syncId = "e2", baseVersion = 2, bills = new[] { Bill(-1, 3, 1, 2) } });
        Assert.Equal(HttpStatusCode.Forbidden, asViewer.StatusCode);
        Assert.Equal(fellBack + 1, Writer.OneRoundTripFallbacks);

        (await ownerViaSecond.Http.DeleteAsync($"/api/books/{bookId}/members/{editor.Username}")).EnsureSuccessStatusCode();
        var asStranger = await editor.SyncAsync(bookId, new { syncId = "e3", baseVersion = 2, bills = new[] { Bill(-1, 3, 1, 3) } });
        Assert.Equal(HttpStatusCode.NotFound, asStranger.StatusCode);

        Assert.Equal((2, 1), await StoredAsync(bookId));
        Assert.Equal(2, (await owner.BookAsync(bookId)).GetProperty("version").GetInt64());
        Assert.Equal(new Dictionary<long, long> { [1] = 70 - 1, [2] = 55 }, await owner.BalancesAsync(bookId));
    }

    [Fact]
    public async Task Sync_RetriedWithTheSameSyncId_FallsBack_AndIsReplayedNotAppliedAgain()
    {
        var user = await server.NewUserAsync();
        var bookId = await user.CreateB0Async();
        var body = new { syncId = "again", baseVersion = 1, bills = new[] { Bill(-1, 3, 1, 4) } };
        var first = await user.SyncOkAsync(bookId, body);
        var fellBack = Writer.OneRoundTripFallbacks;

        // The cache is current, so the retry is applied in memory and sent; its receipt is already there.
        var again = await user.SyncOkAsync(bookId, body);

        Assert.Equal(fellBack + 1, Writer.OneRoundTripFallbacks);
        Assert.True(again.GetProperty("replayed").GetBoolean());
        Assert.Equal(first.GetProperty("version").GetInt64(), again.GetProperty("version").GetInt64());
        Assert.Equal(first.GetProperty("idMap").GetRawText(), again.GetProperty("idMap").GetRawText());
        Assert.Equal((2, 1), await StoredAsync(bookId));
        Assert.Equal(new Dictionary<long, long> { [1] = 70 - 4, [2] = 55 }, await user.BalancesAsync(bookId));

        // And the head row was left unlocked by the refused round trip.
        await using var connection = await server.Database.Connections().OpenAsync(CancellationToken.None);
        await using var transaction = await connection.BeginTransactionAsync();
        Assert.Equal(2, await connection.ExecuteScalarAsync<long>("SELECT version FROM book_head WHERE book_id = @bookId FOR UPDATE NOWAIT",
            new { bookId }, transaction));
    }
}
