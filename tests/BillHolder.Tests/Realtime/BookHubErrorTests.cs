using BillHolder.Tests.Infrastructure;
using static BillHolder.Tests.Infrastructure.TestClient;
using static BillHolder.Tests.Realtime.HubTestBooks;

namespace BillHolder.Tests.Realtime;

// Every error a hub call can answer, with the same code (and details) as the REST problem.
public sealed class BookHubErrorTests(BillHolderServer server) : IClassFixture<BillHolderServer>
{
    [Fact]
    public async Task OpenBook_ByAStranger_IsBookNotFound()
    {
        var owner = await server.NewUserAsync("owner");
        var stranger = await server.NewUserAsync("stranger");
        var book = await owner.CreateSharedBookAsync();
        await using var hub = await server.ConnectAsync(stranger);

        await HubErrorAsync("book_not_found", () => hub.OpenBookAsync(book.Id));
        await HubErrorAsync("book_not_found", () => hub.OpenBookAsync(long.MaxValue));
        await HubErrorAsync("book_not_found", () => hub.SyncAsync(book.Id, NewBill("stranger-1", book.WalletId, 1)));

        // The failed open left nothing behind: pushes of that book do not reach the stranger.
        await owner.SyncOkAsync(book.Id, NewBill("owner-1", book.WalletId, 1));
        await hub.RoundTripAsync();
        Assert.False(hub.TryTakeChange(out _));
    }

    [Fact]
    public async Task Sync_ByAViewer_IsForbidden_AndChangesNothing()
    {
        var owner = await server.NewUserAsync("owner");
        var viewer = await server.NewUserAsync("viewer");
        var book = await owner.CreateSharedBookAsync();
        await owner.SetRoleAsync(book.Id, viewer.Username, "viewer");
        await using var hub = await server.ConnectAsync(viewer);

        // Viewers may watch the book, but not write to it.
        Assert.Equal(1, (await hub.OpenBookAsync(book.Id)).GetProperty("toVersion").GetInt64());
        await HubErrorAsync("forbidden", () => hub.SyncAsync(book.Id, NewBill("viewer-1", book.WalletId, 1)));

        Assert.Equal(1, (await hub.OpenBookAsync(book.Id, sinceVersion: 1)).GetProperty("toVersion").GetInt64());
    }

    [Fact]
    public async Task Sync_Invalid_IsValidationFailed_WithErrorsByPath()
    {
        var owner = await server.NewUserAsync("owner");
        var book = await owner.CreateSharedBookAsync();
        await using var hub = await server.ConnectAsync(owner);

        var details = await HubErrorAsync("validation_failed", () => hub.SyncAsync(book.Id, new
        {
            syncId = "bad-1",
            bills = new object[]
            {
                new { id = -1, status = 3, walletId = book.WalletId, amount = "ten", date = 1 },
                new { id = -2, status = 9, walletId = book.WalletId, amount = 1, date = 1 },
            },
        }));

        var errors = details!.Value.GetProperty("errors");
        Assert.Equal(["bills[0].amount", "bills[1].status"], errors.EnumerateObject().Select(p => p.Name).Order());
        Assert.True(errors.GetProperty("bills[0].amount").GetArrayLength() > 0);
    }

    [Fact]
    public async Task Sync_WithoutSyncId_IsValidationFailed()
    {
        var owner = await server.NewUserAsync("owner");
        var book = await owner.CreateSharedBookAsync();
        await using var hub = await server.ConnectAsync(owner);

        var details = await HubErrorAsync("validation_failed", () => hub.SyncAsync(book.Id, new { book = new { name = "x" } }));

        Assert.True(details!.Value.GetProperty("errors").TryGetProperty("syncId", out _));
    }

    [Fact]
    public async Task Sync_ReferringToAMissingWallet_IsUnknownWallet()
    {
        var owner = await server.NewUserAsync("owner");
        var book = await owner.CreateSharedBookAsync();
        await using var hub = await server.ConnectAsync(owner);

        var details = await HubErrorAsync("unknown_wallet", () => hub.SyncAsync(book.Id, NewBill("ghost", walletId: 9999, amount: 1)));

        Assert.Equal(["bills[0].walletId"], details!.Value.GetProperty("errors").EnumerateObject().Select(p => p.Name));
        Assert.Equal(1, details.Value.GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task Sync_DeletingAWalletStillInUse_IsWalletInUse_WithTheReferences()
    {
        var owner = await server.NewUserAsync("owner");
        var book = await owner.CreateSharedBookAsync();
        await using var hub = await server.ConnectAsync(owner);
        var bill = (await hub.SyncAsync(book.Id, NewBill("spend", book.WalletId, 10)))
            .GetProperty("idMap").GetProperty("bills").GetProperty("-1").GetInt64();

        var details = await HubErrorAsync("wallet_in_use", () =>
            hub.SyncAsync(book.Id, new { syncId = "drop-wallet", wallets = new[] { new { id = book.WalletId, status = 2 } } }));

        var reference = Assert.Single(details!.Value.GetProperty("references").EnumerateArray());
        Assert.Equal("bills", reference.GetProperty("collection").GetString());
        Assert.Equal(bill, reference.GetProperty("id").GetInt64());
        Assert.Equal(2, details.Value.GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task Sync_ReusingASyncIdForOtherChanges_IsSyncIdReused()
    {
        var owner = await server.NewUserAsync("owner");
        var book = await owner.CreateSharedBookAsync();
        await using var hub = await server.ConnectAsync(owner);
        await hub.SyncAsync(book.Id, NewBill("same-id", book.WalletId, 10));

        var details = await HubErrorAsync("sync_id_reused", () => hub.SyncAsync(book.Id, NewBill("same-id", book.WalletId, 11)));

        Assert.Equal(2, details!.Value.GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task Sync_ReusingASyncIdFirstUsedOverRest_IsSyncIdReused()
    {
        var owner = await server.NewUserAsync("owner");
        var book = await owner.CreateSharedBookAsync();
        await using var hub = await server.ConnectAsync(owner);
        await owner.SyncOkAsync(book.Id, NewBill("rest-first", book.WalletId, 10));

        await HubErrorAsync("sync_id_reused", () => hub.SyncAsync(book.Id, NewBill("rest-first", book.WalletId, 12)));
        // The same payload over the other transport is a replay, not an error.
        Assert.Equal(2, (await hub.SyncAsync(book.Id, NewBill("rest-first", book.WalletId, 10))).GetProperty("version").GetInt64());
    }
}
