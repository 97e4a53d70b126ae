using BillHolder.Server.Infrastructure.Redis;
using Microsoft.Extensions.Options;

namespace BillHolder.Server.Accounts;

// Registrations per client address and over all addresses, in fixed windows, in memory. Each one costs a password
// hash (deliberately slow) and answers whether a username exists, so both floods and probing are bounded.
// Shared through Redis when it is there, like LoginThrottle; per instance otherwise.
internal sealed class RegistrationThrottle(IOptions<AuthOptions> options, TimeProvider time, SharedLimits shared)
{
    private const int MaxTrackedAddresses = 100_000;
    private const string Everyone = "*";
    private readonly Dictionary<string, Window> _windows = new();

    // Null when the registration may go ahead (and is now counted); otherwise how long to wait.
    public async Task<TimeSpan?> TryBeginAsync(string? address)
    {
        var settings = options.Value;
        var windows = new List<(string, int)>
        {
            ("registrations:" + Everyone, settings.MaxRegistrations),
            ("registrations:a:" + (address ?? "unknown"), settings.MaxRegistrationsPerAddress),
        };
        if (await shared.CountAsync(windows, TimeSpan.FromSeconds(settings.RegistrationWindowSeconds)) is { } verdict)
        {
            return verdict.Granted ? null : verdict.RetryAfter;
        }
        return TryBegin(address);
    }

    private TimeSpan? TryBegin(string? address)
    {
        var settings = options.Value;
        var now = time.GetUtcNow();
        var from = "a:" + (address ?? "unknown");
        lock (_windows)
        {
            if (_windows.Count > MaxTrackedAddresses)
            {
                foreach (var (key, w) in _windows.ToList()) if (w.Ends <= now) _windows.Remove(key);
            }
            foreach (var (key, limit) in new[] { (Everyone, settings.MaxRegistrations), (from, settings.MaxRegistrationsPerAddress) })
            {
                if (_windows.TryGetValue(key, out var w) && w.Ends > now && w.Count >= limit) return w.Ends - now;
            }
            var ends = now.AddSeconds(settings.RegistrationWindowSeconds);
            foreach (var key in new[] { Everyone, from })
            {
                if (_windows.TryGetValue(key, out var w) && w.Ends > now) _windows[key] = w with { Count = w.Count + 1 };
                // A flood of distinct addresses is still bounded by the global window.
                else if (key == Everyone || _windows.Count < MaxTrackedAddresses) _windows[key] = new Window(ends, 1);
            }
            return null;
        }
    }

    private sealed record Window(DateTimeOffset Ends, int Count);
}
