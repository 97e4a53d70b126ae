using System.Net;
using BillHolder.Tests.Infrastructure;
using static BillHolder.Tests.Infrastructure.TestClient;

namespace BillHolder.Tests.Books;

public sealed class SyncConcurrencyTests(BillHolderServer server) : IClassFixture<BillHolderServer>
{
    [Fact]
    public async Task Sync_DozensOfParallelClientsOnOneBook_LoseNothingAndVersionsAreContiguous()
    {
        const int clients = 32, syncsEach = 5;
        var owner = await server.NewUserAsync("owner");
        var bookId = await owner.CreateB0Async();
        var editors = new List<UserClient>();
        for (var i = 0; i < clients; i++)
        {
            var editor = await server.NewUserAsync("editor");
            await owner.SetRoleAsync(bookId, editor.Username, "editor");
            editors.Add(editor);
        }

        // Every client adds bills of its own amount to wallet 1 and incomes to wallet 2.
        var results = await Task.WhenAll(editors.Select((editor, c) => Task.Run(async () =>
        {
            var versions = new List<long>();
            for (var s = 0; s < syncsEach; s++)
            {
                var result = await editor.SyncOkAsync(bookId, new
                {
                    syncId = $"c{c}-s{s}",
                    bills = new[] { Bill(-1, 3, 1, c + 1) },
                    incomes = new[] { Income(-1, 3, 2, 1) },
                });
                Assert.True(result.GetProperty("applied").GetBoolean());
                versions.Add(result.GetProperty("version").GetInt64());
            }
            return versions;
        })));

        var all = results.SelectMany(v => v).Order().ToList();
        Assert.Equal(Enumerable.Range(2, clients * syncsEach).Select(v => (long)v), all);
        var book = await owner.BookAsync(bookId);
        Assert.Equal(1 + clients * syncsEach, book.GetProperty("version").GetInt64());
        Assert.Equal(2 + clients * syncsEach, book.GetProperty("bills").GetArrayLength());
        // Ids are unique and handed out in order.
        var billIds = book.GetProperty("bills").EnumerateArray().Select(b => b.GetProperty("id").GetInt64()).ToList();
        Assert.Equal(Enumerable.Range(1, billIds.Count).Select(i => (long)i), billIds.Order());
        var expectedWallet1 = 70 - syncsEach * Enumerable.Range(1, clients).Sum();
        Assert.Equal(new Dictionary<long, long> { [1] = expectedWallet1, [2] = 55 + clients * syncsEach }, await owner.BalancesAsync(bookId));
        await owner.AssertConsistentAsync(bookId);

        var history = await (await owner.Http.GetAsync($"/api/books/{bookId}/history?limit=200")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(all.Append(1).OrderDescending(), history.EnumerateArray().Select(h => h.GetProperty("version").GetInt64()));
    }

    [Fact]
    public async Task Sync_OneSyncIdSentConcurrently_IsAppliedOnce_AndEveryAnswerIsTheSame()
    {
        var user = await server.NewUserAsync();
        var bookId = await user.CreateB0Async();
        var body = new { syncId = "storm", baseVersion = 1, wallets = new[] { Wallet(-1, 3, "New") }, bills = new[] { Bill(-1, 3, -1, 7) } };

        var answers = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => Task.Run(() => user.SyncOkAsync(bookId, body))));

        // The same answer each time, but for the replayed flag: exactly one of them applied it.
        Assert.Single(answers.Select(a => a.GetRawText().Replace("\"replayed\":true", "\"replayed\":false")).Distinct());
        Assert.Single(answers, a => !a.GetProperty("replayed").GetBoolean());
        Assert.Equal(2, answers[0].GetProperty("version").GetInt64());
        var book = await user.BookAsync(bookId);
        Assert.Equal(2, book.GetProperty("version").GetInt64());
        Assert.Equal(3, book.GetProperty("wallets").GetArrayLength());
        Assert.Equal(3, book.GetProperty("bills").GetArrayLength());
    }

    [Fact]
    public async Task Sync_TwoServerProcessesOnOneDatabase_StaySerializedByTheRowLock()
    {
        // A second host on the same database: its in-process lock knows nothing of the first one's.
        await using var second = ExtraHost.Create(server.Database.ConnectionString);
        var user = await server.NewUserAsync();
        var other = second.CreateClient();
        other.DefaultRequestHeaders.Authorization = user.Http.DefaultRequestHeaders.Authorization;
        var viaSecond = user with { Http = other };
        var bookId = await user.CreateB0Async();

        const int each = 15;
        await Task.WhenAll(
            Task.Run(async () => { for (var i = 0; i < each; i++) await user.SyncOkAsync(bookId, new { syncId = $"a{i}", bills = new[] { Bill(-1, 3, 1, 1) } }); }),
            Task.Run(async () => { for (var i = 0; i < each; i++) await viaSecond.SyncOkAsync(bookId, new { syncId = $"b{i}", bills = new[] { Bill(-1, 3, 2, 1) } }); }));

        // Each host must see the other's writes (its cache is checked against the locked version).
        foreach (var client in new[] { user, viaSecond })
        {
            var book = await client.BookAsync(bookId);
            Assert.Equal(1 + 2 * each, book.GetProperty("version").GetInt64());
            Assert.Equal(2 + 2 * each, book.GetProperty("bills").GetArrayLength());
        }
        Assert.Equal(new Dictionary<long, long> { [1] = 70 - each, [2] = 55 - each }, await user.BalancesAsync(bookId));
        await viaSecond.AssertConsistentAsync(bookId);
    }
}
