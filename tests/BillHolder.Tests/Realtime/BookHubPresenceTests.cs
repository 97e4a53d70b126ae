using System.Net;
using BillHolder.Server.Realtime;
using BillHolder.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static BillHolder.Tests.Infrastructure.TestClient;
using static BillHolder.Tests.Realtime.HubTestBooks;

namespace BillHolder.Tests.Realtime;

// Who is in a book, and what happens to open books when membership or the book itself goes away.
public sealed class BookHubPresenceTests(BillHolderServer server) : IClassFixture<BillHolderServer>
{
    [Fact]
    public async Task Presence_GrowsWhenUsersOpen_AndShrinksWhenTheyCloseOrDisconnect()
    {
        var alice = await server.NewUserAsync("alice");
        var bob = await server.NewUserAsync("bob");
        var book = await alice.CreateSharedBookAsync(bob);
        await using var aliceHub = await server.ConnectAsync(alice);
        var bobHub = await server.ConnectAsync(bob);

        await aliceHub.OpenBookAsync(book.Id);
        await aliceHub.PresenceUntilAsync(book.Id, alice.Username);
        await bobHub.OpenBookAsync(book.Id);
        await aliceHub.PresenceUntilAsync(book.Id, alice.Username, bob.Username);
        await bobHub.PresenceUntilAsync(book.Id, alice.Username, bob.Username);

        await bobHub.CloseBookAsync(book.Id);
        await aliceHub.PresenceUntilAsync(book.Id, alice.Username);

        await bobHub.OpenBookAsync(book.Id);
        await aliceHub.PresenceUntilAsync(book.Id, alice.Username, bob.Username);
        await bobHub.DisposeAsync();
        await aliceHub.PresenceUntilAsync(book.Id, alice.Username);
    }

    [Fact]
    public async Task Subscriptions_ForgetABookWhenItsLastConnectionGoes()
    {
        var alice = await server.NewUserAsync("alice");
        var book = await alice.CreateSharedBookAsync();
        var subscriptions = server.App.Services.GetRequiredService<BookSubscriptions>();
        var hub = await server.ConnectAsync(alice);

        await hub.OpenBookAsync(book.Id);
        Assert.Contains(alice.Username, subscriptions.Presence(book.Id));
        await hub.CloseBookAsync(book.Id);
        Assert.False(subscriptions.Tracks(book.Id));
        // Opening a book one may not see, or closing one never opened, leaves nothing behind either.
        await HubErrorAsync("book_not_found", () => hub.OpenBookAsync(987_654_321));
        await hub.RoundTripAsync();
        await hub.OpenBookAsync(book.Id);
        await hub.DisposeAsync();

        var deadline = DateTime.UtcNow + TestHubConnection.Patience;
        while (subscriptions.Tracks(book.Id) && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.False(subscriptions.Tracks(book.Id));
        Assert.False(subscriptions.Tracks(987_654_321));
    }

    [Fact]
    public async Task Presence_NamesAUserOnce_WhateverTheirConnections()
    {
        var alice = await server.NewUserAsync("alice");
        var book = await alice.CreateSharedBookAsync();
        await using var phone = await server.ConnectAsync(alice);
        await using var laptop = await server.ConnectAsync(alice);

        await phone.OpenBookAsync(book.Id);
        await phone.PresenceUntilAsync(book.Id, alice.Username);
        await laptop.OpenBookAsync(book.Id);
        await laptop.CloseBookAsync(book.Id);
        await alice.SyncOkAsync(book.Id, NewBill("marker", book.WalletId, 1));
        await phone.NextChangeAsync();
        await phone.RoundTripAsync();

        // The laptop joining and leaving changed nobody's presence: no second push.
        Assert.False(phone.TryTakePresence(out var extra), $"unexpected presence {string.Join(",", extra.Users ?? [])}");
    }

    [Fact]
    public async Task RemovingAMember_ClosesTheBookForThem_AndStopsTheirPushes()
    {
        await using var both = await TwoInOneBookAsync();
        var (alice, bob, book, aliceHub, bobHub) = both;
        await aliceHub.PresenceUntilAsync(book.Id, alice.Username, bob.Username);

        await (await alice.Http.DeleteAsync($"/api/books/{book.Id}/members/{bob.Username}")).ReadJsonAsync(HttpStatusCode.NoContent);

        Assert.Equal((book.Id, "membership_removed"), await bobHub.NextClosedAsync());
        await aliceHub.PresenceUntilAsync(book.Id, alice.Username);
        Assert.False(aliceHub.TryTakeClosed(out _));

        await alice.SyncOkAsync(book.Id, NewBill("after-removal", book.WalletId, 3));
        Assert.Equal(2, (await aliceHub.NextChangeAsync()).GetProperty("toVersion").GetInt64());
        await bobHub.RoundTripAsync();
        Assert.False(bobHub.TryTakeChange(out _));

        await HubErrorAsync("book_not_found", () => bobHub.OpenBookAsync(book.Id));
        await HubErrorAsync("book_not_found", () => bobHub.SyncAsync(book.Id, NewBill("bob-late", book.WalletId, 1)));
    }

    [Fact]
    public async Task AMemberRemovedWhereThisServerCannotSee_StopsReceivingAtTheNextChange()
    {
        await using var both = await TwoInOneBookAsync();
        var (alice, bob, book, aliceHub, bobHub) = both;

        // As another server process would: the membership goes, and this process is not told.
        await using (var connection = await server.Database.Connections().OpenAsync(CancellationToken.None))
        {
            await Dapper.SqlMapper.ExecuteAsync(connection, "DELETE FROM book_member WHERE book_id = @BookId AND user_id = @UserId",
                new { BookId = book.Id, UserId = bob.Id });
        }
        await alice.SyncOkAsync(book.Id, NewBill("secret", book.WalletId, 5));

        Assert.Equal(2, (await aliceHub.NextChangeAsync()).GetProperty("toVersion").GetInt64());
        Assert.Equal((book.Id, "membership_removed"), await bobHub.NextClosedAsync());
        await bobHub.RoundTripAsync();
        Assert.False(bobHub.TryTakeChange(out _));
        await aliceHub.PresenceUntilAsync(book.Id, alice.Username);
    }

    [Fact]
    public async Task LeavingABook_ClosesItOnlyForTheLeaver()
    {
        await using var both = await TwoInOneBookAsync();
        var (alice, bob, book, aliceHub, bobHub) = both;

        await (await bob.Http.DeleteAsync($"/api/books/{book.Id}/members/{bob.Username}")).ReadJsonAsync(HttpStatusCode.NoContent);

        Assert.Equal((book.Id, "membership_removed"), await bobHub.NextClosedAsync());
        await aliceHub.PresenceUntilAsync(book.Id, alice.Username);
        await aliceHub.RoundTripAsync();
        Assert.False(aliceHub.TryTakeClosed(out _));
    }

    [Fact]
    public async Task DeletingABook_ClosesItForEveryone()
    {
        var alice = await server.NewUserAsync("alice");
        var bob = await server.NewUserAsync("bob");
        var book = await alice.CreateSharedBookAsync(bob);
        var other = await alice.CreateSharedBookAsync(bob);
        await using var aliceHub = await server.ConnectAsync(alice);
        await using var bobHub = await server.ConnectAsync(bob);
        await aliceHub.OpenBookAsync(book.Id);
        await bobHub.OpenBookAsync(book.Id);
        await bobHub.OpenBookAsync(other.Id);

        await (await alice.Http.DeleteAsync($"/api/books/{book.Id}")).ReadJsonAsync(HttpStatusCode.NoContent);

        Assert.Equal((book.Id, "book_deleted"), await aliceHub.NextClosedAsync());
        Assert.Equal((book.Id, "book_deleted"), await bobHub.NextClosedAsync());
        await HubErrorAsync("book_not_found", () => aliceHub.OpenBookAsync(book.Id));

        // Bob's other book is still open and live.
        await alice.SyncOkAsync(other.Id, NewBill("still-live", other.WalletId, 2));
        var pushed = await bobHub.NextChangeAsync();
        Assert.Equal(other.Id, pushed.GetProperty("bookId").GetInt64());
    }

    // Alice (owner) and Bob (editor) share a book, each with a connection that has it open.
    private async Task<Collaborators> TwoInOneBookAsync()
    {
        var alice = await server.NewUserAsync("alice");
        var bob = await server.NewUserAsync("bob");
        var book = await alice.CreateSharedBookAsync(bob);
        var aliceHub = await server.ConnectAsync(alice);
        var bobHub = await server.ConnectAsync(bob);
        await aliceHub.OpenBookAsync(book.Id);
        await bobHub.OpenBookAsync(book.Id);
        return new Collaborators(alice, bob, book, aliceHub, bobHub);
    }

    private sealed record Collaborators(UserClient Alice, UserClient Bob, SharedBook Book, TestHubConnection AliceHub, TestHubConnection BobHub)
        : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await AliceHub.DisposeAsync();
            await BobHub.DisposeAsync();
        }
    }
}
