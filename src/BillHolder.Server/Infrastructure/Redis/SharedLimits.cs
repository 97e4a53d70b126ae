using System.Threading.RateLimiting;
using StackExchange.Redis;

namespace BillHolder.Server.Infrastructure.Redis;

// Limits kept in Redis, so N instances give a user one budget, not N. Each check is one atomic script; every key
// carries a TTL, so nothing a killed instance left behind outlives its window. Every method answers null when
// Redis is not configured or not reachable: the caller then applies its own per-instance limit.
internal sealed class SharedLimits(RedisConnection redis, ILogger<SharedLimits> logger)
{
    // Milliseconds from Redis's own clock, so instances whose clocks disagree still share one timeline.
    private const string Now = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        """;

    // KEYS[1] the bucket; ARGV burst, tokens per second. Returns {granted, milliseconds until the next token}.
    private const string TakeToken = Now + """
        local burst = tonumber(ARGV[1])
        local rate = tonumber(ARGV[2])
        local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
        local tokens = tonumber(state[1])
        local at = tonumber(state[2])
        if tokens == nil or at == nil then tokens = burst; at = now end
        tokens = math.min(burst, tokens + math.max(0, now - at) * rate / 1000)
        local granted = 0
        local wait = 0
        if tokens >= 1 then
          tokens = tokens - 1
          granted = 1
        else
          wait = math.ceil((1 - tokens) * 1000 / rate)
        end
        redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', now)
        redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) * 1000 / rate) + 1000)
        return {granted, wait}
        """;

    // KEYS the windows; ARGV[1] the window in ms, ARGV[1 + i] the limit of KEYS[i]. Counts one attempt in every
    // window unless one is full; returns -1, or the milliseconds until the full window ends.
    private const string CountInWindows = """
        for i, key in ipairs(KEYS) do
          local count = tonumber(redis.call('GET', key) or '0')
          if count >= tonumber(ARGV[i + 1]) then
            local ttl = redis.call('PTTL', key)
            if ttl < 0 then
              redis.call('PEXPIRE', key, ARGV[1])
              ttl = tonumber(ARGV[1])
            end
            return ttl
          end
        end
        for _, key in ipairs(KEYS) do
          if redis.call('INCR', key) == 1 then redis.call('PEXPIRE', key, ARGV[1]) end
        end
        return -1
        """;

    // KEYS the windows; ARGV[i] '1' drops KEYS[i] outright, else one attempt is given back.
    private const string GiveBackToWindows = """
        for i, key in ipairs(KEYS) do
          local count = tonumber(redis.call('GET', key) or '0')
          if ARGV[i] == '1' or count <= 1 then redis.call('DEL', key) else redis.call('DECR', key) end
        end
        return 0
        """;

    // KEYS[1] a sorted set of entries scored by their expiry; ARGV entry, most entries, TTL in ms. Sweeps the
    // expired ones, then adds the entry unless the set is full. Returns 1 when added (or already there).
    private const string AddBounded = Now + """
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
        if not redis.call('ZSCORE', KEYS[1], ARGV[1]) and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
        redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
        redis.call('PEXPIRE', KEYS[1], ARGV[3])
        return 1
        """;

    // KEYS[1] a sorted set scored by expiry; ARGV[1] TTL in ms, ARGV[2..] entries to (re)add now, for their owner's refresh.
    private const string Refresh = Now + """
        for i = 2, #ARGV do redis.call('ZADD', KEYS[1], now + tonumber(ARGV[1]), ARGV[i]) end
        redis.call('PEXPIRE', KEYS[1], ARGV[1])
        return 0
        """;

    // KEYS[1] a sorted set scored by expiry. Removes the expired entries; returns {removed, live entries...}.
    private const string SweepAndRead = Now + """
        local removed = redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
        local live = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf')
        table.insert(live, 1, removed)
        return live
        """;

    public readonly record struct Verdict(bool Granted, TimeSpan RetryAfter);

    // Whether Redis is in use right now (configured and connected).
    public bool IsShared => redis.IsAvailable;

    public Task<Verdict?> TakeTokenAsync(string bucket, int burst, int perSecond) => RunAsync(async db =>
    {
        var answer = (RedisResult[])(await db.ScriptEvaluateAsync(TakeToken, [redis.Key("bucket:" + bucket)], [burst, perSecond]))!;
        return new Verdict((int)answer[0] == 1, TimeSpan.FromMilliseconds((long)answer[1]));
    });

    // Null from the returned task's value means "fall back"; a Verdict tells whether the attempt is counted.
    public Task<Verdict?> CountAsync(IReadOnlyList<(string Key, int Limit)> windows, TimeSpan length) => RunAsync(async db =>
    {
        var keys = windows.Select(w => redis.Key("window:" + w.Key)).ToArray();
        RedisValue[] values = [(long)length.TotalMilliseconds, .. windows.Select(w => (RedisValue)w.Limit)];
        var wait = (long)(await db.ScriptEvaluateAsync(CountInWindows, keys, values));
        return new Verdict(wait < 0, wait < 0 ? TimeSpan.Zero : TimeSpan.FromMilliseconds(wait));
    });

    // False when Redis could not be told (the caller gives back locally).
    public async Task<bool> GiveBackAsync(IReadOnlyList<(string Key, bool Drop)> windows) => await RunAsync<bool?>(async db =>
    {
        await db.ScriptEvaluateAsync(GiveBackToWindows, [.. windows.Select(w => redis.Key("window:" + w.Key))],
            [.. windows.Select(w => (RedisValue)(w.Drop ? "1" : "0"))]);
        return true;
    }) ?? false;

    public Task<bool?> AddBoundedAsync(string set, string entry, int max, TimeSpan ttl) => RunAsync<bool?>(async db =>
        (int)await db.ScriptEvaluateAsync(AddBounded, [redis.Key(set)], [entry, max, (long)ttl.TotalMilliseconds]) == 1);

    public Task<bool?> RefreshAsync(string set, IReadOnlyCollection<string> entries, TimeSpan ttl) => RunAsync<bool?>(async db =>
    {
        await db.ScriptEvaluateAsync(Refresh, [redis.Key(set)], [(long)ttl.TotalMilliseconds, .. entries.Select(e => (RedisValue)e)]);
        return true;
    });

    public Task<bool?> RemoveAsync(string set, IReadOnlyCollection<string> entries) => RunAsync<bool?>(async db =>
    {
        await db.SortedSetRemoveAsync(redis.Key(set), [.. entries.Select(e => (RedisValue)e)]);
        return true;
    });

    // The live entries of an expiring set, and how many expired ones this call swept away.
    public Task<(long Swept, IReadOnlyList<string> Live)?> SweepAsync(string set) => RunAsync<(long, IReadOnlyList<string>)?>(async db =>
    {
        var answer = (RedisResult[])(await db.ScriptEvaluateAsync(SweepAndRead, [redis.Key(set)]))!;
        return ((long)answer[0], answer.Skip(1).Select(r => (string)r!).ToList());
    });

    private async Task<T?> RunAsync<T>(Func<IDatabase, Task<T>> command)
    {
        if (!redis.IsAvailable) return default;
        try
        {
            return await command(redis.Database);
        }
        catch (Exception ex) when (RedisExtensions.IsOutage(ex))
        {
            logger.LogWarning("Redis did not answer a limit check ({Error}); using this instance's own limit", ex.GetType().Name);
            return default;
        }
    }

    private async Task<Verdict?> RunAsync(Func<IDatabase, Task<Verdict>> command) => await RunAsync<Verdict?>(async db => await command(db));
}

// A per-user token bucket that is shared over instances while Redis is there and this instance's own otherwise.
// ASP.NET's rate-limiting middleware tries AttemptAcquire first and awaits AcquireAsync when that fails, so the
// shared check (a network round trip) runs only on the asynchronous path.
internal sealed class SharedTokenBucket(SharedLimits shared, string bucket, TokenBucketRateLimiterOptions options) : RateLimiter
{
    private readonly TokenBucketRateLimiter _local = new(options);

    public override TimeSpan? IdleDuration => _local.IdleDuration;

    public override RateLimiterStatistics? GetStatistics() => _local.GetStatistics();

    protected override RateLimitLease AttemptAcquireCore(int permitCount) =>
        shared.IsShared ? SharedLease.NotYet : _local.AttemptAcquire(permitCount);

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
    {
        if (await shared.TakeTokenAsync(bucket, options.TokenLimit, options.TokensPerPeriod) is { } verdict)
        {
            return verdict.Granted ? SharedLease.Granted : new SharedLease(false, verdict.RetryAfter);
        }
        return _local.AttemptAcquire(permitCount);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _local.Dispose();
        base.Dispose(disposing);
    }

    private sealed class SharedLease(bool acquired, TimeSpan? retryAfter) : RateLimitLease
    {
        public static readonly SharedLease Granted = new(true, null);

        // "Ask again asynchronously": never shown to a client.
        public static readonly SharedLease NotYet = new(false, null);

        public override bool IsAcquired => acquired;

        public override IEnumerable<string> MetadataNames => retryAfter is null ? [] : [MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = retryAfter;
            return retryAfter is not null && metadataName == MetadataName.RetryAfter.Name;
        }
    }
}
