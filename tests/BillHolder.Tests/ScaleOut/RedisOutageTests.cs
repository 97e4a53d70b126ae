using System.Net;
using System.Text.Json;
using BillHolder.Tests.Accounts;
using BillHolder.Tests.Infrastructure;
using BillHolder.Tests.Realtime;
using static BillHolder.Tests.Infrastructure.TestClient;

namespace BillHolder.Tests.ScaleOut;

// Two instances on a redis-server of the test's own, which it kills and starts again.
public sealed class RedisOutageTests : IAsyncLifetime
{
    private readonly ServerCluster _cluster = new()
    {
        OwnRedis = true,
        Settings = { ["Realtime:VersionPollSeconds"] = "1", ["Realtime:PresenceTtlSeconds"] = "3" },
    };

    public Task InitializeAsync() => _cluster.InitializeAsync();

    public Task DisposeAsync() => _cluster.DisposeAsync();

    [Fact]
    public async Task WithRedisKilled_SyncsWork_HealthIsDegraded_PushesComeByThePoll_AndAllRecoversWhenItIsBack()
    {
        var alice = await _cluster.A.NewUserAsync("alice");
        var bob = await _cluster.A.NewUserAsync("bob");
        var book = await alice.CreateSharedBookAsync(bob);
        await using var bobOnB = await _cluster.B.ConnectAsync(bob);
        await bobOnB.OpenBookAsync(book.Id, 1);
        Assert.Equal("ready", await ReadinessAsync(_cluster.A));

        _cluster.Redis!.Kill();
        await UntilAsync(async () => await ReadinessAsync(_cluster.A) == "degraded");

        // The database is the truth: syncs go on, and B's version poll still brings them to its listener.
        await alice.SyncOkAsync(book.Id, NewBill("during-outage", book.WalletId, 5));
        Assert.Equal(2, (await bobOnB.NextChangeAsync()).GetProperty("toVersion").GetInt64());
        // Limits fall back to each instance's own (a login is counted by the throttle).
        var login = await _cluster.B.LoginAsync(bob.Username);
        Assert.True(login.TryGetProperty("accessToken", out _));

        await _cluster.Redis.RestartAsync();
        foreach (var server in _cluster.Servers) await UntilAsync(async () => await ReadinessAsync(server) == "ready");
        await ServerCluster.WaitForRedisAsync(_cluster.B);

        await alice.SyncOkAsync(book.Id, NewBill("after-outage", book.WalletId, 6));
        Assert.Equal(3, (await bobOnB.NextChangeAsync()).GetProperty("toVersion").GetInt64());
        await bobOnB.RoundTripAsync();
        Assert.False(bobOnB.TryTakeChange(out _));
    }

    [Fact]
    public async Task WithRedisAway_ReadinessIs200Degraded_Not503()
    {
        _cluster.Redis!.Kill();
        await UntilAsync(async () => await ReadinessAsync(_cluster.B) == "degraded");

        var response = await _cluster.B.Anonymous().GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("degraded", body.GetProperty("status").GetString());
        Assert.Equal("unavailable", body.GetProperty("redis").GetString());
        await _cluster.Redis.RestartAsync();
    }

    private static async Task<string?> ReadinessAsync(BillHolderServer server)
    {
        var response = await server.Anonymous().GetAsync("/health/ready");
        if (response.StatusCode != HttpStatusCode.OK) return $"{(int)response.StatusCode}";
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString();
    }

    private static async Task UntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("The condition did not come true within 30 s.");
            await Task.Delay(100);
        }
    }
}
