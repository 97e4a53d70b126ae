using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BillHolder.Tests.Infrastructure;

namespace BillHolder.Tests.Sync;

// Small helpers for driving syncs over REST in tests.
internal static class SyncApiClient
{
    // Book B0 of the issue: wallets 1 and 2 (opening 0); bills b1{w1,10}, b2{w2,5}; transfer t1{1->2,20};
    // incomes i1{w1,100}, i2{w2,40}. So wallet 1 = 70, wallet 2 = 55, at version 1.
    public static async Task<long> CreateB0Async(UserClient user)
    {
        var book = await (await user.Http.PostJsonAsync("/api/books", new
        {
            name = "B0",
            wallets = new object[]
            {
                new { id = -1, status = 3, name = "One" },
                new { id = -2, status = 3, name = "Two" },
            },
            bills = new object[]
            {
                new { id = -1, status = 3, walletId = -1, amount = 10, date = 1 },
                new { id = -2, status = 3, walletId = -2, amount = 5, date = 1 },
            },
            transfers = new object[] { new { id = -1, status = 3, fromWalletId = -1, toWalletId = -2, amount = 20, date = 1 } },
            incomes = new object[]
            {
                new { id = -1, status = 3, walletId = -1, amount = 100, date = 1 },
                new { id = -2, status = 3, walletId = -2, amount = 40, date = 1 },
            },
        })).ReadJsonAsync(HttpStatusCode.Created);
        return book.GetProperty("id").GetInt64();
    }

    public static Task<HttpResponseMessage> SyncAsync(this UserClient user, long bookId, object body) =>
        user.Http.PostAsJsonAsync($"/api/books/{bookId}/sync", body);

    public static async Task<JsonElement> SyncOkAsync(this UserClient user, long bookId, object body) =>
        await (await user.SyncAsync(bookId, body)).ReadJsonAsync(HttpStatusCode.OK);

    public static async Task<JsonElement> BookAsync(this UserClient user, long bookId) =>
        await (await user.Http.GetAsync($"/api/books/{bookId}")).ReadJsonAsync(HttpStatusCode.OK);

    public static async Task<Dictionary<long, long>> BalancesAsync(this UserClient user, long bookId)
    {
        var book = await user.BookAsync(bookId);
        return book.GetProperty("wallets").EnumerateArray()
            .ToDictionary(w => w.GetProperty("id").GetInt64(), w => w.GetProperty("balance").GetInt64());
    }

    public static async Task AssertConsistentAsync(this UserClient user, long bookId)
    {
        var report = await (await user.Http.GetAsync($"/api/books/{bookId}/consistency")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.True(report.GetProperty("ok").GetBoolean(), report.ToString());
    }

    public static object Bill(long id, int status, long walletId, long amount) => new { id, status, walletId, amount, date = 1 };

    public static object Income(long id, int status, long walletId, long amount) => new { id, status, walletId, amount, date = 1 };

    public static object Transfer(long id, int status, long from, long to, long amount) =>
        new { id, status, fromWalletId = from, toWalletId = to, amount, date = 1 };

    public static object Wallet(long id, int status, string name, long openingBalance = 0) => new { id, status, name, openingBalance };
}
