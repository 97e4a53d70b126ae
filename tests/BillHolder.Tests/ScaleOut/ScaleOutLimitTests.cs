using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using BillHolder.Tests.Infrastructure;
using BillHolder.Tests.Realtime;
using static BillHolder.Tests.Infrastructure.TestClient;
using static BillHolder.Tests.Realtime.HubTestBooks;

namespace BillHolder.Tests.ScaleOut;

// Two instances with tight limits: every limit is one budget over both, not one per instance.
public sealed class TwoTightInstances : IAsyncLifetime
{
    public const int Burst = 4;
    public const int PerSecond = 2;

    public ServerCluster Cluster { get; } = new()
    {
        Settings =
        {
            ["Sync:RateLimitBurst"] = Burst.ToString(),
            ["Sync:RateLimitPerSecond"] = PerSecond.ToString(),
            ["Realtime:InvocationBurst"] = Burst.ToString(),
            ["Realtime:InvocationsPerSecond"] = PerSecond.ToString(),
            ["Realtime:MaxConnectionsPerUser"] = "2",
            ["Auth:MaxFailedLogins"] = "3",
        },
    };

    public Task InitializeAsync() => Cluster.InitializeAsync();

    public Task DisposeAsync() => Cluster.DisposeAsync();
}

public sealed class ScaleOutLimitTests(TwoTightInstances fixture) : IClassFixture<TwoTightInstances>
{
    private ServerCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task TheSyncRateLimit_OverTwoInstances_AcceptsAtMostBurstPlusRateTimesSecondsPlusOne()
    {
        var alice = await Cluster.A.NewUserAsync("alice");
        var book = await alice.CreateSharedBookAsync();
        // Let the bucket fill again after the creation took a token.
        await Task.Delay(TimeSpan.FromSeconds((double)TwoTightInstances.Burst / TwoTightInstances.PerSecond));
        var clients = Cluster.Servers.Select(server => WithToken(server, alice)).ToArray();

        var accepted = 0;
        var limited = 0;
        var clock = Stopwatch.StartNew();
        for (var i = 0; clock.Elapsed < TimeSpan.FromSeconds(3); i++)
        {
            var response = await clients[i % 2].PostAsJsonAsync($"/api/books/{book.Id}/sync", NewBill($"rate-{i}", book.WalletId, 1));
            if (response.StatusCode == HttpStatusCode.OK) accepted++;
            else
            {
                await response.ProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
                limited++;
            }
        }
        var seconds = clock.Elapsed.TotalSeconds;

        Assert.True(limited > 0, "the limit was reached");
        Assert.InRange(accepted, 1, TwoTightInstances.Burst + TwoTightInstances.PerSecond * seconds + 1);
    }

    [Fact]
    public async Task TheHubInvocationLimit_OverTwoInstances_IsOneBudget()
    {
        var alice = await Cluster.A.NewUserAsync("alice");
        await using var onA = await Cluster.A.ConnectAsync(alice);
        await using var onB = await Cluster.B.ConnectAsync(alice);

        var accepted = 0;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 20; i++)
        {
            try
            {
                await (i % 2 == 0 ? onA : onB).RoundTripAsync();
                accepted++;
            }
            catch (Microsoft.AspNetCore.SignalR.HubException error)
            {
                Assert.StartsWith("rate_limited: ", ServerMessage(error));
            }
        }

        Assert.InRange(accepted, 1, TwoTightInstances.Burst + TwoTightInstances.PerSecond * clock.Elapsed.TotalSeconds + 1);
    }

    [Fact]
    public async Task TheConnectionCap_CountsConnectionsOnEveryInstance()
    {
        var alice = await Cluster.A.NewUserAsync("alice");
        await using var onA = await Cluster.A.ConnectAsync(alice);
        await using var onB = await Cluster.B.ConnectAsync(alice);

        var third = TestHubConnection.Build(Cluster.A, alice.Token);
        var closed = new TaskCompletionSource<Exception?>();
        third.Closed += error =>
        {
            closed.TrySetResult(error);
            return Task.CompletedTask;
        };
        try
        {
            await third.StartAsync().WaitAsync(TestHubConnection.Patience);
        }
        catch (Exception error)
        {
            closed.TrySetResult(error);
        }
        var reason = await closed.Task.WaitAsync(TestHubConnection.Patience);
        Assert.Contains("too_many_connections", reason?.Message);
        await third.DisposeAsync();

        // Closing one anywhere frees a place everywhere.
        await onB.DisposeAsync();
        var deadline = DateTime.UtcNow + TestHubConnection.Patience;
        while (true)
        {
            try
            {
                await using var again = await Cluster.A.ConnectAsync(alice);
                await again.RoundTripAsync();
                break;
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    [Fact]
    public async Task TheLoginThrottle_CountsFailuresOnEveryInstance()
    {
        var alice = await Cluster.A.NewUserAsync("alice");
        var body = new { username = alice.Username, password = "wrong-password-123" };

        for (var i = 0; i < 3; i++)
        {
            var wrong = await Cluster.Servers[i % 2].Anonymous().PostAsJsonAsync("/api/auth/login", body);
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        foreach (var server in Cluster.Servers)
        {
            var refused = await server.Anonymous().PostAsJsonAsync("/api/auth/login", new { username = alice.Username, password = UserClient.Password });
            await refused.ProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        }
    }

    private static HttpClient WithToken(BillHolderServer server, UserClient user)
    {
        var http = server.Anonymous();
        http.DefaultRequestHeaders.Authorization = user.Http.DefaultRequestHeaders.Authorization;
        return http;
    }
}
