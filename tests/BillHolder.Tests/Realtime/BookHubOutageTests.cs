using BillHolder.Tests.Infrastructure;
using static BillHolder.Tests.Infrastructure.TestClient;
using static BillHolder.Tests.Realtime.HubTestBooks;

namespace BillHolder.Tests.Realtime;

public sealed class BookHubOutageTests(RelayedServer relayed) : IClassFixture<RelayedServer>
{
    [Fact]
    public async Task HubCalls_DuringADatabaseOutage_AnswerDatabaseUnavailable_AndWorkAgainAfter()
    {
        var owner = await relayed.Server.NewUserAsync("owner");
        var book = await owner.CreateSharedBookAsync();
        await using var hub = await relayed.Server.ConnectAsync(owner);
        await hub.OpenBookAsync(book.Id);

        relayed.Relay.Cut();
        await HubErrorAsync("database_unavailable", () => hub.SyncAsync(book.Id, NewBill("during-outage", book.WalletId, 5)));
        await HubErrorAsync("database_unavailable", () => hub.OpenBookAsync(book.Id));

        relayed.Relay.Restore();
        // Pooled connections broken by the cut are discarded on use; give the pool a few tries.
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var result = await hub.SyncAsync(book.Id, NewBill("after-outage", book.WalletId, 5));
                Assert.Equal(2, result.GetProperty("version").GetInt64());
                break;
            }
            catch (Microsoft.AspNetCore.SignalR.HubException) when (attempt < 20)
            {
                await Task.Delay(250);
            }
        }
    }
}
