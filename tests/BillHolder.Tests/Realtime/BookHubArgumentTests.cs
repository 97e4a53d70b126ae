using System.Text.Json;
using BillHolder.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;
using static BillHolder.Tests.Infrastructure.TestClient;
using static BillHolder.Tests.Realtime.HubTestBooks;

namespace BillHolder.Tests.Realtime;

// What a hub call's arguments must look like, and what a client hears when they do not (security review S10, S12,
// and the replayed flag).
public sealed class BookHubArgumentTests(BillHolderServer server) : IClassFixture<BillHolderServer>
{
    [Fact]
    public async Task OpenBook_WithOneArgument_IsInvalidArguments_NamingTheParameters_AndLogged()
    {
        var owner = await server.NewUserAsync("owner");
        var book = await owner.CreateSharedBookAsync();
        await using var hub = await server.ConnectAsync(owner);

        await HubErrorAsync("invalid_arguments", () => hub.Connection.InvokeAsync<JsonElement>("OpenBook", book.Id).WaitAsync(TestHubConnection.Patience));
        var message = ServerMessage(await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(
            () => hub.Connection.InvokeAsync<JsonElement>("OpenBook", book.Id).WaitAsync(TestHubConnection.Patience)));
        Assert.Contains("OpenBook(bookId: integer, sinceVersion: integer or null)", message);
        Assert.Contains(server.Logs.Entries, e => e.Text.Contains("Refused hub call OpenBook"));

        // As the README says: every argument, null for the optional one.
        var changes = await hub.Connection.InvokeAsync<JsonElement>("OpenBook", book.Id, null).WaitAsync(TestHubConnection.Patience);
        Assert.True(changes.GetProperty("full").GetBoolean());
    }

    [Fact]
    public async Task Calls_WithWrongTypesOrTooManyArguments_AreInvalidArguments()
    {
        var owner = await server.NewUserAsync("owner");
        var book = await owner.CreateSharedBookAsync();
        await using var hub = await server.ConnectAsync(owner);

        var wrongType = ServerMessage(await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(
            () => hub.Connection.InvokeAsync<JsonElement>("Sync", "not-a-book", new { syncId = "x" }).WaitAsync(TestHubConnection.Patience)));
        Assert.StartsWith("invalid_arguments: Sync(bookId: integer, request: object)", wrongType);
        await HubErrorAsync("invalid_arguments", () => hub.Connection.InvokeAsync("CloseBook", book.Id, 1, 2).WaitAsync(TestHubConnection.Patience));

        // The connection stays usable.
        Assert.Equal(1, (await hub.OpenBookAsync(book.Id)).GetProperty("toVersion").GetInt64());
    }

    [Fact]
    public async Task Sync_WithADuplicateKey_IsValidationFailedAtItsPath()
    {
        var owner = await server.NewUserAsync("owner");
        var book = await owner.CreateSharedBookAsync();
        await using var hub = await server.ConnectAsync(owner);
        var request = JsonDocument.Parse("""{"syncId":"dup","bills":[{"id":-1,"status":3,"walletId":1,"walletId":2,"amount":1,"date":1}]}""").RootElement;

        var details = await HubErrorAsync("validation_failed", () => hub.SyncAsync(book.Id, request));
        Assert.Equal(["bills[0].walletId"], details!.Value.GetProperty("errors").EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task Sync_Replayed_SaysSo_TheFirstAnswerDoesNot()
    {
        var owner = await server.NewUserAsync("owner");
        var book = await owner.CreateSharedBookAsync();
        await using var hub = await server.ConnectAsync(owner);

        var first = await hub.SyncAsync(book.Id, NewBill("hub-replay", book.WalletId, 3));
        var again = await hub.SyncAsync(book.Id, NewBill("hub-replay", book.WalletId, 3));

        Assert.False(first.GetProperty("replayed").GetBoolean());
        Assert.True(again.GetProperty("replayed").GetBoolean());
        Assert.Equal(first.GetProperty("version").GetInt64(), again.GetProperty("version").GetInt64());
    }
}
