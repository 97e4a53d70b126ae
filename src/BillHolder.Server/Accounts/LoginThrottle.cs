using BillHolder.Server.Infrastructure.Redis;
using Microsoft.Extensions.Options;

namespace BillHolder.Server.Accounts;

// Counts login attempts in fixed windows, in memory, under three keys:
// - username and client address: MaxFailedLogins, so a guesser is stopped quickly;
// - client address: 4x, so one address cannot walk through many usernames;
// - username alone: 10x, so a distributed attack on one account is stopped too, while one attacker
//   address cannot lock the real user out from their own device.
// An attempt is counted before its password is checked (parallel guesses cannot all slip past the check)
// and given back when it succeeds. Usernames are matched case-insensitively, as the database does.
// With Redis (several instances) the windows live there, so N instances give one budget, not N; while Redis is
// away each instance counts on its own, as it does without Redis.
internal sealed class LoginThrottle(IOptions<AuthOptions> options, TimeProvider time, SharedLimits shared)
{
    private const int MaxTrackedKeys = 100_000;
    private readonly Dictionary<string, Window> _attempts = new();
    private DateTimeOffset _nextPrune;

    // Null when the attempt may go ahead (and is now counted); otherwise how long to wait.
    public async Task<TimeSpan?> TryBeginAsync(string username, string? address)
    {
        var settings = options.Value;
        var windows = Keys(username, address, settings.MaxFailedLogins).Select(k => ("login:" + k.Key, k.Limit)).ToList();
        if (await shared.CountAsync(windows, TimeSpan.FromSeconds(settings.FailedLoginWindowSeconds)) is { } verdict)
        {
            return verdict.Granted ? null : verdict.RetryAfter;
        }
        return TryBegin(username, address);
    }

    public async Task GiveBackAsync(string username, string? address, bool succeeded)
    {
        var windows = Keys(username, address, 0).Select(k => ("login:" + k.Key, succeeded && k.Key.StartsWith("p:", StringComparison.Ordinal))).ToList();
        if (!await shared.GiveBackAsync(windows)) GiveBack(username, address, succeeded);
    }

    private TimeSpan? TryBegin(string username, string? address)
    {
        var now = time.GetUtcNow();
        var settings = options.Value;
        var keys = Keys(username, address, settings.MaxFailedLogins);
        lock (_attempts)
        {
            if (_attempts.Count > MaxTrackedKeys && now >= _nextPrune) Prune(now);
            foreach (var (key, limit) in keys)
            {
                if (_attempts.TryGetValue(key, out var w) && w.Ends > now && w.Count >= limit) return w.Ends - now;
            }
            var length = TimeSpan.FromSeconds(settings.FailedLoginWindowSeconds);
            foreach (var (key, _) in keys)
            {
                if (_attempts.TryGetValue(key, out var w) && w.Ends > now) _attempts[key] = w with { Count = w.Count + 1 };
                // Under a flood of distinct keys the table stays bounded: a new key is not tracked (the others
                // still are) rather than turning every ordinary login away.
                else if (_attempts.Count < MaxTrackedKeys) _attempts[key] = new Window(now + length, 1);
            }
            return null;
        }
    }

    // The attempt did not fail on its password (it succeeded, or the database or the client broke off): it
    // does not count against anyone.
    private void GiveBack(string username, string? address, bool succeeded)
    {
        lock (_attempts)
        {
            foreach (var (key, _) in Keys(username, address, 0))
            {
                if (!_attempts.TryGetValue(key, out var w)) continue;
                if ((succeeded && key.StartsWith("p:", StringComparison.Ordinal)) || w.Count <= 1) _attempts.Remove(key);
                else _attempts[key] = w with { Count = w.Count - 1 };
            }
        }
    }

    private void Prune(DateTimeOffset now)
    {
        foreach (var (key, window) in _attempts.ToList())
        {
            if (window.Ends <= now) _attempts.Remove(key);
        }
        _nextPrune = now.AddSeconds(10);
    }

    private static (string Key, int Limit)[] Keys(string username, string? address, int limit)
    {
        var user = username.ToLowerInvariant();
        var from = address ?? "unknown";
        return [("p:" + from + "/" + user, limit), ("a:" + from, limit * 4), ("u:" + user, limit * 10)];
    }

    private sealed record Window(DateTimeOffset Ends, int Count);
}
