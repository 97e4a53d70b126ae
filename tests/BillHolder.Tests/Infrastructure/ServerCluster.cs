using BillHolder.Server.Realtime;
using Microsoft.Extensions.DependencyInjection;

namespace BillHolder.Tests.Infrastructure;

// Several in-memory server instances on one test database and one Redis, as a deployment behind a load balancer
// runs them: instance ids "a", "b", "c", ... and a key prefix of this fixture's own, so test classes sharing the
// Redis test.sh started never see each other. Set Count, OwnRedis and Settings before InitializeAsync (a test
// class's IAsyncLifetime) or use it as a class fixture as it is (two instances, the shared Redis).
public sealed class ServerCluster : IAsyncLifetime
{
    private TestDatabase? _database;
    private readonly List<BillHolderServer> _servers = [];

    public int Count { get; init; } = 2;

    // A redis-server of the fixture's own, which the test may kill and restart (Redis).
    public bool OwnRedis { get; init; }

    // On top of BillHolderServer's defaults, for every instance.
    public Dictionary<string, string?> Settings { get; } = new();

    public string KeyPrefix { get; } = $"test-{Guid.NewGuid():N}"[..17] + ":";

    public string RedisAddress { get; private set; } = "";

    internal PrivateRedis? Redis { get; private set; }

    public IReadOnlyList<BillHolderServer> Servers => _servers;

    public BillHolderServer A => _servers[0];

    public BillHolderServer B => _servers[1];

    public BillHolderServer C => _servers[2];

    public async Task InitializeAsync()
    {
        if (OwnRedis || TestRedis.Shared is null)
        {
            Redis = await PrivateRedis.StartAsync();
            RedisAddress = Redis.Address;
        }
        else
        {
            RedisAddress = TestRedis.Shared;
        }
        _database = await TestDatabase.CreateAsync();
        for (var i = 0; i < Count; i++)
        {
            var server = new BillHolderServer { SharedDatabase = _database };
            server.Settings["ConnectionStrings:Redis"] = RedisAddress;
            server.Settings["Redis:KeyPrefix"] = KeyPrefix;
            server.Settings["Instance:Id"] = ((char)('a' + i)).ToString();
            foreach (var (key, value) in Settings) server.Settings[key] = value;
            // One at a time: the first applies the schema, the others find it applied.
            await server.InitializeAsync();
            _servers.Add(server);
        }
        foreach (var server in _servers) await WaitForRedisAsync(server);
    }

    // Until the instance is connected to Redis and subscribed, so a test's first notice is heard.
    public static async Task WaitForRedisAsync(BillHolderServer server)
    {
        var redis = server.App.Services.GetRequiredService<BillHolder.Server.Infrastructure.Redis.RedisConnection>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!redis.IsAvailable || !server.App.Services.GetRequiredService<ClusterListener>().IsSubscribed)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("The server did not connect to Redis.");
            await Task.Delay(50);
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var server in _servers) await server.DisposeAsync();
        if (_database is not null) await _database.DisposeAsync();
        if (Redis is not null) await Redis.DisposeAsync();
    }
}
