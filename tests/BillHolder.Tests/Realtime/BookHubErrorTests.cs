using BillHolder.Tests.Infrastructure;
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
        var book = await CreateAsync(owner);
        await using var hub = await server.ConnectAsync(stranger);

        await HubErrorAsync("book_not_found", () => hub.OpenBookAsync(book.Id));
        await HubErrorAsync("book_not_found", () => hub.OpenBookAsync(long.MaxValue));
        await HubErrorAsync("book_not_found", () => hub.SyncAsync(book.Id, NewBill("stranger-1", book.WalletId, 1)));

        // The failed open left nothing behind: pushes of that book do not reach the stranger.
        await RestSyncAsync(owner, book.Id, NewBill("owner-1", book.WalletId, 1));
        await hub.RoundTripAsync();
        Assert.False(hub.TryTakeChange(out _));
    }
}
