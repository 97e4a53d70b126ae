using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace BillHolder.Server.Accounts;

// Counts failed logins per username and per client address in a fixed window, in memory.
// Per process: behind several instances an attacker gets N times the budget, which still stops brute force.
internal sealed class LoginThrottle(IOptions<AuthOptions> options, TimeProvider time)
{
    private const int MaxTrackedKeys = 100_000;
    private readonly ConcurrentDictionary<string, Window> _failures = new();

    public TimeSpan? RetryAfter(string username, string? address)
    {
        var now = time.GetUtcNow();
        var settings = options.Value;
        return Blocked(UserKey(username), settings.MaxFailedLogins, now)
            ?? Blocked(AddressKey(address), settings.MaxFailedLogins * 4, now);
    }

    public void RecordFailure(string username, string? address)
    {
        var now = time.GetUtcNow();
        if (_failures.Count > MaxTrackedKeys) Prune(now);
        var length = TimeSpan.FromSeconds(options.Value.FailedLoginWindowSeconds);
        foreach (var key in new[] { UserKey(username), AddressKey(address) })
        {
            _failures.AddOrUpdate(key,
                _ => new Window(now + length, 1),
                (_, w) => w.Ends <= now ? new Window(now + length, 1) : w with { Count = w.Count + 1 });
        }
    }

    public void RecordSuccess(string username) => _failures.TryRemove(UserKey(username), out _);

    private TimeSpan? Blocked(string key, int limit, DateTimeOffset now) =>
        _failures.TryGetValue(key, out var w) && w.Ends > now && w.Count >= limit ? w.Ends - now : null;

    private void Prune(DateTimeOffset now)
    {
        foreach (var (key, window) in _failures)
        {
            if (window.Ends <= now) _failures.TryRemove(key, out _);
        }
    }

    private static string UserKey(string username) => "u:" + username.ToLowerInvariant();

    private static string AddressKey(string? address) => "a:" + (address ?? "unknown");

    private sealed record Window(DateTimeOffset Ends, int Count);
}
