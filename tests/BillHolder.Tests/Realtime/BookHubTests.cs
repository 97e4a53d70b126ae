using System.Net;
using BillHolder.Tests.Infrastructure;
using static BillHolder.Tests.Infrastructure.TestClient;
using static BillHolder.Tests.Realtime.HubTestBooks;

namespace BillHolder.Tests.Realtime;

// Opening books, syncing over the hub and what collaborators receive.
public sealed class BookHubTests(BillHolderServer server) : IClassFixture<BillHolderServer>
{
    [Fact]
    public async Task OpenBook_ReturnsTheFullBook()
    {
        var owner = await server.NewUserAsync("owner");
        var book = await owner.CreateSharedBookAsync();
        await using var hub = await server.ConnectAsync(owner);

        var opened = await hub.OpenBookAsync(book.Id);

        Assert.Equal(book.Id, opened.GetProperty("bookId").GetInt64());
        Assert.True(opened.GetProperty("full").GetBoolean());
        Assert.Equal(0, opened.GetProperty("fromVersion").GetInt64());
        Assert.Equal(1, opened.GetProperty("toVersion").GetInt64());
        Assert.Equal("Shared", opened.GetProperty("book").GetProperty("name").GetString());
        Assert.Equal(OpeningBalance, Balance(opened, book.WalletId));
        Assert.Equal(0, opened.GetProperty("bills").GetArrayLength());
        Assert.Equal(0, opened.GetProperty("deleted").GetProperty("bills").GetArrayLength());
    }

    [Fact]
    public async Task CloseBook_StopsPushesForThatBook()
    {
        var owner = await server.NewUserAsync("owner");
        var book = await owner.CreateSharedBookAsync();
        await using var hub = await server.ConnectAsync(owner);
        await using var witness = await server.ConnectAsync(owner);
        await hub.OpenBookAsync(book.Id);
        await witness.OpenBookAsync(book.Id);

        await hub.CloseBookAsync(book.Id);
        await owner.SyncOkAsync(book.Id, NewBill("while-closed", book.WalletId, 5));

        // Once the witness has the push, it has been written to every target; a round trip flushes ours.
        Assert.Equal(2, (await witness.NextChangeAsync()).GetProperty("toVersion").GetInt64());
        await hub.RoundTripAsync();
        Assert.False(hub.TryTakeChange(out _));
    }

    [Fact]
    public async Task Sync_OverTheHub_ReturnsTheResultWithIdMap()
    {
        var owner = await server.NewUserAsync("owner");
        var book = await owner.CreateSharedBookAsync();
        await using var hub = await server.ConnectAsync(owner);
        await hub.OpenBookAsync(book.Id);

        var result = await hub.SyncAsync(book.Id, new
        {
            syncId = "hub-1",
            baseVersion = 1,
            wallets = new[] { new { id = -1, status = 3, name = "Bank", openingBalance = 50 } },
            bills = new[] { new { id = -7, status = 3, walletId = -1, amount = 20, date = 1 } },
        });

        Assert.Equal(book.Id, result.GetProperty("bookId").GetInt64());
        Assert.Equal("hub-1", result.GetProperty("syncId").GetString());
        Assert.Equal(2, result.GetProperty("version").GetInt64());
        Assert.True(result.GetProperty("applied").GetBoolean());
        Assert.Equal(0, result.GetProperty("skipped").GetArrayLength());
        var bank = result.GetProperty("idMap").GetProperty("wallets").GetProperty("-1").GetInt64();
        var bill = result.GetProperty("idMap").GetProperty("bills").GetProperty("-7").GetInt64();
        var changes = result.GetProperty("changes");
        Assert.Equal(1, changes.GetProperty("fromVersion").GetInt64());
        Assert.Equal(2, changes.GetProperty("toVersion").GetInt64());
        Assert.Equal(30, Balance(changes, bank));
        Assert.Equal([bill], Ids(changes, "bills"));

        // The same as REST would store: the book reads back with the new records.
        var stored = await (await owner.Http.GetAsync($"/api/books/{book.Id}")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(2, stored.GetProperty("version").GetInt64());
        Assert.Equal(30, Balance(stored, bank));
    }

    [Fact]
    public async Task Sync_RepeatedWithTheSameSyncId_ReplaysTheFirstResult()
    {
        var owner = await server.NewUserAsync("owner");
        var book = await owner.CreateSharedBookAsync();
        await using var hub = await server.ConnectAsync(owner);

        var first = await hub.SyncAsync(book.Id, NewBill("once", book.WalletId, 5));
        var again = await hub.SyncAsync(book.Id, NewBill("once", book.WalletId, 5));

        Assert.Equal(2, first.GetProperty("version").GetInt64());
        Assert.Equal(2, again.GetProperty("version").GetInt64());
        Assert.Equal(first.GetProperty("idMap").GetProperty("bills").GetProperty("-1").GetInt64(),
            again.GetProperty("idMap").GetProperty("bills").GetProperty("-1").GetInt64());
    }

    [Fact]
    public async Task HubSync_ReachesCollaborators_ButNotTheSender()
    {
        var alice = await server.NewUserAsync("alice");
        var bob = await server.NewUserAsync("bob");
        var book = await alice.CreateSharedBookAsync(bob);
        await using var aliceHub = await server.ConnectAsync(alice);
        await using var bobHub = await server.ConnectAsync(bob);
        await aliceHub.OpenBookAsync(book.Id);
        await bobHub.OpenBookAsync(book.Id);

        var result = await aliceHub.SyncAsync(book.Id, NewBill("alice-1", book.WalletId, 120));
        var pushed = await bobHub.NextChangeAsync();

        Assert.Equal(book.Id, pushed.GetProperty("bookId").GetInt64());
        Assert.False(pushed.GetProperty("full").GetBoolean());
        Assert.Equal(1, pushed.GetProperty("fromVersion").GetInt64());
        Assert.Equal(2, pushed.GetProperty("toVersion").GetInt64());
        Assert.Equal(OpeningBalance - 120, Balance(pushed, book.WalletId));
        Assert.Equal([result.GetProperty("idMap").GetProperty("bills").GetProperty("-1").GetInt64()], Ids(pushed, "bills"));
        Assert.Equal(alice.Username, pushed.GetProperty("bills")[0].GetProperty("createdBy").GetString());

        // Pushes of one book arrive in version order, so if Alice's first push is Bob's version 3,
        // she never got her own version 2.
        await bob.SyncOkAsync(book.Id, NewBill("bob-1", book.WalletId, 1));
        var next = await aliceHub.NextChangeAsync();
        Assert.Equal(2, next.GetProperty("fromVersion").GetInt64());
        Assert.Equal(3, next.GetProperty("toVersion").GetInt64());
    }

    [Fact]
    public async Task RestSync_ReachesEveryHubClientWithTheBookOpen()
    {
        var alice = await server.NewUserAsync("alice");
        var bob = await server.NewUserAsync("bob");
        var book = await alice.CreateSharedBookAsync(bob);
        await using var aliceHub = await server.ConnectAsync(alice);
        await using var aliceSecondTab = await server.ConnectAsync(alice);
        await aliceHub.OpenBookAsync(book.Id);
        await aliceSecondTab.OpenBookAsync(book.Id);

        await bob.SyncOkAsync(book.Id, new { syncId = "rest-1", book = new { name = "Renamed" } });

        foreach (var hub in new[] { aliceHub, aliceSecondTab })
        {
            var pushed = await hub.NextChangeAsync();
            Assert.Equal(2, pushed.GetProperty("toVersion").GetInt64());
            Assert.Equal("Renamed", pushed.GetProperty("book").GetProperty("name").GetString());
        }
    }

    [Fact]
    public async Task OpenBook_SinceAVersion_ReturnsOnlyTheMissedChanges()
    {
        var alice = await server.NewUserAsync("alice");
        var bob = await server.NewUserAsync("bob");
        var book = await alice.CreateSharedBookAsync(bob);
        var kept = (await alice.SyncOkAsync(book.Id, NewBill("seen", book.WalletId, 10)))
            .GetProperty("idMap").GetProperty("bills").GetProperty("-1").GetInt64();
        var doomed = (await alice.SyncOkAsync(book.Id, NewBill("seen-too", book.WalletId, 20)))
            .GetProperty("idMap").GetProperty("bills").GetProperty("-1").GetInt64();
        await using var bobHub = await server.ConnectAsync(bob);
        var seen = await bobHub.OpenBookAsync(book.Id);
        Assert.Equal(3, seen.GetProperty("toVersion").GetInt64());
        await bobHub.CloseBookAsync(book.Id);

        // While Bob is away: one new bill (version 4) and one deletion (version 5).
        var added = (await alice.SyncOkAsync(book.Id, NewBill("missed", book.WalletId, 40)))
            .GetProperty("idMap").GetProperty("bills").GetProperty("-1").GetInt64();
        await alice.SyncOkAsync(book.Id, new { syncId = "missed-delete", bills = new[] { new { id = doomed, status = 2 } } });

        var caughtUp = await bobHub.OpenBookAsync(book.Id, sinceVersion: 3);

        Assert.False(caughtUp.GetProperty("full").GetBoolean());
        Assert.Equal(3, caughtUp.GetProperty("fromVersion").GetInt64());
        Assert.Equal(5, caughtUp.GetProperty("toVersion").GetInt64());
        Assert.Equal([added], Ids(caughtUp, "bills"));
        Assert.Equal([doomed], caughtUp.GetProperty("deleted").GetProperty("bills").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal(OpeningBalance - 10 - 40, Balance(caughtUp, book.WalletId));
        Assert.DoesNotContain(kept, Ids(caughtUp, "bills"));

        // Up to date: nothing to send. Nothing arrived while closed: the first push continues from 5.
        var current = await bobHub.OpenBookAsync(book.Id, sinceVersion: 5);
        Assert.Equal(5, current.GetProperty("fromVersion").GetInt64());
        Assert.Equal(0, current.GetProperty("wallets").GetArrayLength() + current.GetProperty("bills").GetArrayLength());
        await alice.SyncOkAsync(book.Id, NewBill("live", book.WalletId, 1));
        var live = await bobHub.NextChangeAsync();
        Assert.Equal(5, live.GetProperty("fromVersion").GetInt64());
        Assert.Equal(6, live.GetProperty("toVersion").GetInt64());
    }

    [Fact]
    public async Task OpenBook_SinceAFutureVersion_ReturnsTheFullBook()
    {
        var owner = await server.NewUserAsync("owner");
        var book = await owner.CreateSharedBookAsync();
        await using var hub = await server.ConnectAsync(owner);

        var opened = await hub.OpenBookAsync(book.Id, sinceVersion: 99);

        Assert.True(opened.GetProperty("full").GetBoolean());
        Assert.Equal(1, opened.GetProperty("toVersion").GetInt64());
        Assert.Equal(OpeningBalance, Balance(opened, book.WalletId));
    }
}
