using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace BillHolder.Server.Infrastructure.Redis;

// The one connection to Redis (ConnectionStrings:Redis), or none: unset means single-instance mode, and every user
// of this class then keeps its state in this process, as before Redis existed. Redis holds no data (MySQL is the
// truth): notices, presence, limits. So it is never waited for: the server starts and serves without it, every
// caller checks IsAvailable and falls back, and StackExchange.Redis reconnects (and resubscribes) by itself.
internal sealed class RedisConnection : IHostedService, IAsyncDisposable
{
    private readonly ConfigurationOptions? _configuration;
    private readonly string _prefix;
    private readonly ILogger<RedisConnection> _logger;
    private volatile ConnectionMultiplexer? _multiplexer;
    private int _disposed;

    public RedisConnection(IConfiguration configuration, IOptions<RedisOptions> options, InstanceIdentity instance, ILogger<RedisConnection> logger)
    {
        _logger = logger;
        _prefix = options.Value.KeyPrefix;
        if (configuration.GetConnectionString("Redis") is not { Length: > 0 } connectionString) return;
        _configuration = ConfigurationOptions.Parse(connectionString);
        // Start and keep serving while Redis is away; fail a command at once rather than queue it (the caller has
        // a fallback for every one), and keep trying to reconnect.
        _configuration.AbortOnConnectFail = false;
        _configuration.BacklogPolicy = BacklogPolicy.FailFast;
        _configuration.ConnectTimeout = Math.Min(_configuration.ConnectTimeout, 5_000);
        _configuration.AsyncTimeout = options.Value.CommandTimeoutMilliseconds;
        _configuration.SyncTimeout = options.Value.CommandTimeoutMilliseconds;
        _configuration.ReconnectRetryPolicy = new LinearRetry(1_000);
        _configuration.ClientName ??= instance.Id;
    }

    public bool IsConfigured => _configuration is not null;

    // Connected right now. False also while the first connection is being made.
    public bool IsAvailable => _multiplexer?.IsConnected == true;

    public IDatabase Database => Multiplexer.GetDatabase();

    public ISubscriber Subscriber => Multiplexer.GetSubscriber();

    // Raised when the connection is first made and after every reconnect (subscriptions are back by then):
    // whatever a notice lost meanwhile would have said must be checked again.
    public event Action? Connected;

    public RedisKey Key(string name) => _prefix + name;

    public RedisChannel Channel(string name) => RedisChannel.Literal(_prefix + name);

    private ConnectionMultiplexer Multiplexer => _multiplexer ?? throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, "Redis is not connected yet.");

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_configuration is null) return Task.CompletedTask;
        // Not awaited: an unreachable Redis must not hold up the start.
        _ = Task.Run(ConnectAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    private async Task ConnectAsync()
    {
        try
        {
            var multiplexer = await ConnectionMultiplexer.ConnectAsync(_configuration!);
            multiplexer.ConnectionFailed += (_, e) =>
                _logger.LogWarning("Redis connection lost ({FailureType}); limits go per instance and pushes wait for the version poll", e.FailureType);
            multiplexer.ConnectionRestored += (_, e) =>
            {
                _logger.LogInformation("Redis connection restored");
                RaiseConnected();
            };
            if (Volatile.Read(ref _disposed) == 1)
            {
                await multiplexer.DisposeAsync();
                return;
            }
            _multiplexer = multiplexer;
            if (multiplexer.IsConnected)
            {
                _logger.LogInformation("Connected to Redis");
                RaiseConnected();
            }
            else
            {
                _logger.LogWarning("Redis is not reachable yet; serving without it and retrying");
            }
        }
        catch (Exception ex)
        {
            // Only a configuration StackExchange.Redis cannot use at all gets here (AbortOnConnectFail is off).
            _logger.LogError(ex, "Could not set up the Redis connection; running as a single instance");
        }
    }

    private void RaiseConnected()
    {
        try
        {
            Connected?.Invoke();
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "A Redis reconnect handler failed");
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        if (_multiplexer is { } multiplexer) await multiplexer.DisposeAsync();
    }
}

internal static class RedisExtensions
{
    public static IHostApplicationBuilder AddRedis(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RedisOptions>()
            .BindConfiguration(RedisOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<RedisConnection>();
        builder.Services.AddHostedService(services => services.GetRequiredService<RedisConnection>());
        builder.Services.AddSingleton<SharedLimits>();
        builder.Services.AddHealthChecks().AddCheck<RedisHealthCheck>("redis", tags: [HealthApi.ReadyTag]);
        return builder;
    }

    // A failure that means "Redis is away or sick", for which every caller has a fallback.
    public static bool IsOutage(Exception ex) => ex is RedisConnectionException or RedisTimeoutException or RedisServerException
        or ObjectDisposedException;
}
