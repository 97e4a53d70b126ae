using System.Net;
using System.Net.Http.Json;
using BillHolder.Server.Books;
using BillHolder.Tests.Infrastructure;
using Dapper;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using static BillHolder.Tests.Infrastructure.TestClient;

namespace BillHolder.Tests.Books;

// A sync of a cached book, or a batch of them, goes optimistically, lock, writes and COMMIT in one round trip.
// Whenever the database disagrees with what the cache assumed (another instance wrote the book, a user's role
// changed, a syncId was used before) that round trip writes nothing and the whole batch takes the full path, which
// answers from what the database holds. Each test checks both: which path ran, and that the stored book is exactly right.
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

    // A book of its owner's with one editor.
    private async Task<(UserClient Owner, UserClient Editor, long BookId)> SharedBookAsync()
    {
        var owner = await server.NewUserAsync("owner");
        var editor = await server.NewUserAsync("editor");
        var bookId = await owner.CreateB0Async();
        await owner.SetRoleAsync(bookId, editor.Username, "editor");
        return (owner, editor, bookId);
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
        var (owner, editor, bookId) = await SharedBookAsync();
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

    private static Func<Task<HttpResponseMessage>> Send(UserClient user, long bookId, object body) => () => user.SyncAsync(bookId, body);

    [Fact]
    public async Task Batch_OfACachedBook_CommitsInOneRoundTrip_EachSyncWithItsOwnVersion()
    {
        var (owner, editor, bookId) = await SharedBookAsync();
        var (committed, fellBack) = (Writer.OneRoundTrips, Writer.OneRoundTripFallbacks);

        var answers = await QueuedSyncs.SendInOrderAsOneBatchAsync(server, bookId,
            Send(owner, bookId, new { syncId = "o1", baseVersion = 1, bills = new[] { Bill(-1, 3, 1, 1) } }),
            Send(editor, bookId, new { syncId = "e1", baseVersion = 1, incomes = new[] { Income(-1, 3, 2, 7) } }),
            Send(owner, bookId, new { syncId = "o2", baseVersion = 1, bills = new[] { Bill(-1, 3, 2, 2) } }));

        Assert.Equal(committed + 3, Writer.OneRoundTrips);
        Assert.Equal(fellBack, Writer.OneRoundTripFallbacks);
        Assert.True(Writer.LargestBatch >= 3);
        var bodies = new List<System.Text.Json.JsonElement>();
        foreach (var answer in answers) bodies.Add(await answer.ReadJsonAsync(HttpStatusCode.OK));
        Assert.Equal([2L, 3L, 4L], bodies.Select(b => b.GetProperty("version").GetInt64()));
        // Each answer carries what changed since its baseVersion up to its own version: the last one, all three.
        var last = bodies[2].GetProperty("changes");
        Assert.Equal(2, last.GetProperty("bills").GetArrayLength());
        Assert.Single(last.GetProperty("incomes").EnumerateArray());
        Assert.Equal((4, 3), await StoredAsync(bookId));
        await using (var connection = await server.Database.Connections().OpenAsync(CancellationToken.None))
        {
            Assert.Equal([owner.Username, editor.Username, owner.Username], await connection.QueryAsync<string>(
                "SELECT username FROM book_change WHERE book_id = @bookId AND version > 1 ORDER BY version", new { bookId }));
        }
        Assert.Equal(new Dictionary<long, long> { [1] = 70 - 1, [2] = 55 + 7 - 2 }, await owner.BalancesAsync(bookId));
        await owner.AssertConsistentAsync(bookId);
    }

    [Fact]
    public async Task Batch_WithAnEditorDemotedOnAnotherInstance_FallsBackAsAWhole_AndOnlyThatSyncIsRefused()
    {
        await using var second = ExtraHost.Create(server.Database.ConnectionString);
        var (owner, editor, bookId) = await SharedBookAsync();
        await editor.SyncOkAsync(bookId, new { syncId = "e1", baseVersion = 1, bills = new[] { Bill(-1, 3, 1, 1) } });
        await Via(second, owner).SetRoleAsync(bookId, editor.Username, "viewer");
        var (committed, fellBack) = (Writer.OneRoundTrips, Writer.OneRoundTripFallbacks);

        // The owner's first row passes the database's condition, the demoted editor's does not: nothing of the
        // round trip may stay, and the full path applies the owner's syncs and refuses the editor's.
        var answers = await QueuedSyncs.SendInOrderAsOneBatchAsync(server, bookId,
            Send(owner, bookId, new { syncId = "o1", baseVersion = 2, bills = new[] { Bill(-1, 3, 1, 2) } }),
            Send(editor, bookId, new { syncId = "e2", baseVersion = 2, bills = new[] { Bill(-1, 3, 1, 3) } }),
            Send(owner, bookId, new { syncId = "o2", baseVersion = 2, bills = new[] { Bill(-1, 3, 1, 4) } }));

        Assert.Equal(fellBack + 3, Writer.OneRoundTripFallbacks);
        Assert.Equal(committed, Writer.OneRoundTrips);
        Assert.Equal(3, (await answers[0].ReadJsonAsync(HttpStatusCode.OK)).GetProperty("version").GetInt64());
        Assert.Equal(HttpStatusCode.Forbidden, answers[1].StatusCode);
        Assert.Equal(4, (await answers[2].ReadJsonAsync(HttpStatusCode.OK)).GetProperty("version").GetInt64());
        Assert.Equal((4, 3), await StoredAsync(bookId));
        Assert.Equal(new Dictionary<long, long> { [1] = 70 - 1 - 2 - 4, [2] = 55 }, await owner.BalancesAsync(bookId));
        await owner.AssertConsistentAsync(bookId);
    }

    [Fact]
    public async Task Batch_WithARetriedSyncId_FallsBackAsAWhole_AndTheRetryIsReplayed()
    {
        var user = await server.NewUserAsync();
        var bookId = await user.CreateB0Async();
        var retried = new { syncId = "again", baseVersion = 1, bills = new[] { Bill(-1, 3, 1, 4) } };
        var first = await user.SyncOkAsync(bookId, retried);
        var fellBack = Writer.OneRoundTripFallbacks;

        var answers = await QueuedSyncs.SendInOrderAsOneBatchAsync(server, bookId,
            Send(user, bookId, new { syncId = "new-1", baseVersion = 2, bills = new[] { Bill(-1, 3, 1, 1) } }),
            Send(user, bookId, retried),
            Send(user, bookId, new { syncId = "new-2", baseVersion = 2, incomes = new[] { Income(-1, 3, 2, 5) } }));

        Assert.Equal(fellBack + 3, Writer.OneRoundTripFallbacks);
        Assert.Equal(3, (await answers[0].ReadJsonAsync(HttpStatusCode.OK)).GetProperty("version").GetInt64());
        var again = await answers[1].ReadJsonAsync(HttpStatusCode.OK);
        Assert.True(again.GetProperty("replayed").GetBoolean());
        Assert.Equal(first.GetProperty("version").GetInt64(), again.GetProperty("version").GetInt64());
        Assert.Equal(first.GetProperty("idMap").GetRawText(), again.GetProperty("idMap").GetRawText());
        Assert.Equal(4, (await answers[2].ReadJsonAsync(HttpStatusCode.OK)).GetProperty("version").GetInt64());
        Assert.Equal((4, 3), await StoredAsync(bookId));
        Assert.Equal(new Dictionary<long, long> { [1] = 70 - 4 - 1, [2] = 55 + 5 }, await user.BalancesAsync(bookId));
        await user.AssertConsistentAsync(bookId);
    }
}
