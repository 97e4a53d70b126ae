using System.Net;
using BillHolder.Tests.Infrastructure;
using static BillHolder.Tests.Infrastructure.TestClient;

namespace BillHolder.Tests.Books;

public sealed class TightRateLimitServer : IAsyncLifetime
{
    public BillHolderServer Server { get; } = new();

    public Task InitializeAsync()
    {
        Server.Settings["Sync:RateLimitBurst"] = "2";
        Server.Settings["Sync:RateLimitPerSecond"] = "1";
        return Server.InitializeAsync();
    }

    public Task DisposeAsync() => Server.DisposeAsync();
}

public sealed class SyncRateLimitTests(TightRateLimitServer tight) : IClassFixture<TightRateLimitServer>
{
    [Fact]
    public async Task Sync_BeyondTheRateLimit_Is429WithRetryAfter()
    {
        var user = await tight.Server.NewUserAsync();
        var bookId = await user.CreateBookAsync("Limited"); // one token
        HttpResponseMessage refused = null!;
        for (var i = 0; i < 5; i++)
        {
            refused = await user.SyncAsync(bookId, new { syncId = $"burst-{i}" });
            if (refused.StatusCode == HttpStatusCode.TooManyRequests) break;
        }

        await refused.ProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        var retryAfter = int.Parse(Assert.Single(refused.Headers.GetValues("Retry-After")));
        Assert.InRange(retryAfter, 1, 2);
    }
}
