using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BillHolder.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR;

namespace BillHolder.Tests.Realtime;

// REST set-up for hub tests: a book with one wallet, members, and syncs from outside the hub.
internal static class HubTestBooks
{
    public const long OpeningBalance = 1000;

    public sealed record SharedBook(long Id, long WalletId);

    // A book at version 1 holding wallet "Cash" with the opening balance; the others join as editors.
    public static async Task<SharedBook> CreateAsync(UserClient owner, params UserClient[] editors)
    {
        var book = await (await owner.Http.PostJsonAsync("/api/books", new
        {
            name = "Shared",
            wallets = new[] { new { id = -1, status = 3, name = "Cash", openingBalance = OpeningBalance } },
        })).ReadJsonAsync(HttpStatusCode.Created);
        var shared = new SharedBook(book.GetProperty("id").GetInt64(), book.GetProperty("idMap").GetProperty("wallets").GetProperty("-1").GetInt64());
        foreach (var editor in editors) await SetRoleAsync(owner, shared.Id, editor, "editor");
        return shared;
    }

    public static async Task SetRoleAsync(UserClient owner, long bookId, UserClient member, string role) =>
        await (await owner.Http.PutAsJsonAsync($"/api/books/{bookId}/members/{member.Username}", new { role })).ReadJsonAsync(HttpStatusCode.OK);

    public static object NewBill(string syncId, long walletId, long amount, long provisionalId = -1) => new
    {
        syncId,
        bills = new[] { new { id = provisionalId, status = 3, walletId, amount, date = 1, category = "food" } },
    };

    public static async Task<JsonElement> RestSyncAsync(UserClient user, long bookId, object request) =>
        await (await user.Http.PostJsonAsync($"/api/books/{bookId}/sync", request)).ReadJsonAsync(HttpStatusCode.OK);

    public static long Balance(JsonElement changes, long walletId) =>
        changes.GetProperty("wallets").EnumerateArray().Single(w => w.GetProperty("id").GetInt64() == walletId).GetProperty("balance").GetInt64();

    public static long[] Ids(JsonElement changes, string collection) =>
        [.. changes.GetProperty(collection).EnumerateArray().Select(r => r.GetProperty("id").GetInt64())];

    // Asserts the hub error code and returns the JSON details that follow the message, if any. SignalR sends
    // a HubException's message after its own preamble: "An unexpected error occurred invoking 'X' on the
    // server. HubException: <the message>", so the server's message starts right after "HubException: ".
    public static async Task<JsonElement?> HubErrorAsync(string code, Func<Task> call)
    {
        var message = ServerMessage(await Assert.ThrowsAsync<HubException>(call));
        Assert.StartsWith($"{code}: ", message);
        var json = message.IndexOf('{');
        return json < 0 ? null : JsonDocument.Parse(message[json..]).RootElement.Clone();
    }

    public static string ServerMessage(HubException error)
    {
        const string marker = "HubException: ";
        var start = error.Message.IndexOf(marker, StringComparison.Ordinal);
        Assert.True(start >= 0, error.Message);
        return error.Message[(start + marker.Length)..];
    }
}
