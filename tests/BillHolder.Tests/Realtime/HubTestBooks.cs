using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BillHolder.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR;

namespace BillHolder.Tests.Realtime;

// Reading hub answers and hub errors in tests.
internal static class HubTestBooks
{
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
