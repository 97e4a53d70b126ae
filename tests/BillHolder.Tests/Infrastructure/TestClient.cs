using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BillHolder.Tests.Infrastructure;

namespace BillHolder.Tests.Infrastructure;

// The one test client: what tests do over REST as a signed-in user (create books, share them, sync, read).
internal static class TestClient
{
    public const long OpeningBalance = 1000;

    public sealed record SharedBook(long Id, long WalletId);

    public static async Task<long> CreateBookAsync(this UserClient user, string name)
    {
        var book = await (await user.Http.PostJsonAsync("/api/books", new { name })).ReadJsonAsync(HttpStatusCode.Created);
        return book.GetProperty("id").GetInt64();
    }

    // A book at version 1 holding wallet "Cash" with the opening balance; the others join as editors.
    public static async Task<SharedBook> CreateSharedBookAsync(this UserClient owner, params UserClient[] editors)
    {
        var book = await (await owner.Http.PostJsonAsync("/api/books", new
        {
            name = "Shared",
            wallets = new[] { new { id = -1, status = 3, name = "Cash", openingBalance = OpeningBalance } },
        })).ReadJsonAsync(HttpStatusCode.Created);
        var shared = new SharedBook(book.GetProperty("id").GetInt64(), book.GetProperty("idMap").GetProperty("wallets").GetProperty("-1").GetInt64());
        foreach (var editor in editors) await owner.SetRoleAsync(shared.Id, editor.Username, "editor");
        return shared;
    }

    public static async Task SetRoleAsync(this UserClient owner, long bookId, string username, string role) =>
        await (await owner.Http.PutAsJsonAsync($"/api/books/{bookId}/members/{username}", new { role })).ReadJsonAsync(HttpStatusCode.OK);

    // Book B0 of the worked examples: wallets 1 and 2 (opening 0); bills b1{w1,10}, b2{w2,5}; transfer t1{1->2,20};
    // incomes i1{w1,100}, i2{w2,40}. So wallet 1 = 70, wallet 2 = 55, at version 1.
    public static async Task<long> CreateB0Async(this UserClient user)
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

    public static object NewBill(string syncId, long walletId, long amount, long provisionalId = -1) => new
    {
        syncId,
        bills = new[] { new { id = provisionalId, status = 3, walletId, amount, date = 1, category = "food" } },
    };
}
