using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace BillHolder.Server.Accounts;

// Counts failed logins in fixed windows, in memory, under three keys:
// - username and client address: MaxFailedLogins, so a guesser is stopped quickly;
// - client address: 4x, so one address cannot walk through many usernames;
// - username alone: 10x, so a distributed attack on one account is stopped too, while one attacker
//   address cannot lock the real user out from their own device.
// Per process: behind several instances an attacker gets N times the budget, which still stops brute force.
internal sealed class LoginThrottle(IOptions<AuthOptions> options, TimeProvider time)
{
    private const int MaxTrackedKeys = 100_000;
    private readonly ConcurrentDictionary<string, Window> _failures = new();

    public TimeSpan? RetryAfter(string username, string? address)
    {
        var now = time.GetUtcNow();
        var limit = options.Value.MaxFailedLogins;
        return Blocked(PairKey(username, address), limit, now)
            ?? Blocked(AddressKey(address), limit * 4, now)
            ?? Blocked(UserKey(username), limit * 10, now);
    }

    public void RecordFailure(string username, string? address)
    {
        var now = time.GetUtcNow();
        if (_failures.Count > MaxTrackedKeys) Prune(now);
        var length = TimeSpan.FromSeconds(options.Value.FailedLoginWindowSeconds);
        foreach (var key in new[] { PairKey(username, address), AddressKey(address), UserKey(username) })
        {
            _failures.AddOrUpdate(key,
                _ => new Window(now + length, 1),
                (_, w) => w.Ends <= now ? new Window(now + length, 1) : w with { Count = w.Count + 1 });
        }
    }

    public void RecordSuccess(string username, string? address) => _failures.TryRemove(PairKey(username, address), out _);

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

    private static string PairKey(string username, string? address) => "p:" + (address ?? "unknown") + "/" + username.ToLowerInvariant();

    private static string AddressKey(string? address) => "a:" + (address ?? "unknown");

    private sealed record Window(DateTimeOffset Ends, int Count);
}
