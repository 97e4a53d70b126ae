namespace BillHolder.Tests.Infrastructure;

// Each database round trip adds its latency to every sync: the count is pinned so a regression fails here.
public sealed class DatabaseRoundTripTests(RelayedServer relayed) : IClassFixture<RelayedServer>
{
    // Lock the row, write the book, the change and the receipt, begin and commit: nothing else, on a warm
    // pooled connection (no reset on open, no re-selected database, isolation level sent with BEGIN).
    public const int MaxRoundTripsOfASmallSync = 4;

    [Fact]
    public async Task SmallSync_OnAWarmPooledConnection_TakesAtMostFourRoundTrips()
    {
        var user = await relayed.Server.NewUserAsync();
        var bookId = await user.CreateB0Async();
        // Warms the pool and the parsed-book cache: the measured sync is the steady state.
        await user.SyncOkAsync(bookId, new { syncId = "warm-up", bills = new[] { TestClient.Bill(-1, 3, 1, 7) } });

        var before = relayed.Relay.RoundTrips;
        var result = await user.SyncOkAsync(bookId, new { syncId = "counted", bills = new[] { TestClient.Bill(-1, 3, 1, 8) } });
        var roundTrips = relayed.Relay.RoundTrips - before;

        Assert.True(result.GetProperty("applied").GetBoolean());
        Assert.InRange(roundTrips, 1, MaxRoundTripsOfASmallSync);
    }
}
