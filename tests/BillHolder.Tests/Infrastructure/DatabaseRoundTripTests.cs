namespace BillHolder.Tests.Infrastructure;

// Each database round trip adds its latency to every sync: the count is pinned so a regression fails here.
public sealed class DatabaseRoundTripTests(RelayedServer relayed) : IClassFixture<RelayedServer>
{
    // Begin (with the isolation level), lock the head row (with the caller's role and any receipt), write the log
    // row, the receipt and the head in one batch, commit: nothing else, on a warm pooled connection.
    public const int MaxRoundTripsOfASmallSync = 4;

    [Fact]
    public async Task SmallSync_OnAWarmPooledConnection_TakesAtMostFourRoundTrips()
    {
        var user = await relayed.Server.NewUserAsync();
        var bookId = await user.CreateB0Async();
        // Warms the pool and the parsed-book cache: the measured sync is the steady state.
        await user.SyncOkAsync(bookId, new { syncId = "warm-up", bills = new[] { TestClient.Bill(-1, 3, 1, 7) } });

        // The relay counts every connection's traffic, background work (a checkpoint, the pruner) included, so the
        // least of three syncs is the sync's own count.
        var counts = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            var before = relayed.Relay.RoundTrips;
            var result = await user.SyncOkAsync(bookId, new { syncId = $"counted-{i}", bills = new[] { TestClient.Bill(-1, 3, 1, 8) } });
            counts.Add(relayed.Relay.RoundTrips - before);
            Assert.True(result.GetProperty("applied").GetBoolean());
        }
        Assert.InRange(counts.Min(), 1, MaxRoundTripsOfASmallSync);
    }
}
