using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.Extensions.Options;

namespace BillHolder.Server.Accounts;

internal enum RefreshOutcome { Refreshed, Invalid, ReusedWithinGrace, Theft }

// Sign-ins as sessions: issuing, refreshing (rotation with reuse detection), revoking, and the per-request check
// that a token's session still stands. The check is cached SessionCheckSeconds per process; revocations made
// here update the cache at once, those made by another instance are seen when the entry ages out.
internal sealed class Sessions(
    SessionStore store,
    TokenIssuer issuer,
    IEnumerable<ISessionEvents> listeners,
    IOptions<AuthOptions> options,
    TimeProvider time,
    ILogger<Sessions> logger)
{
    private const int MaxCachedSessions = 200_000;
    private readonly ConcurrentDictionary<long, CachedState> _checked = new();

    private sealed record CachedState(bool Active, long UserId, DateTimeOffset CheckedAt);

    public async Task<TokenResponse> SignInAsync(long userId, string username, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var now = time.GetUtcNow();
        var sessionEnds = now.AddDays(settings.SessionMaxDays);
        var refresh = TokenIssuer.NewRefreshToken();
        var refreshEnds = Min(now.AddDays(settings.RefreshTokenDays), sessionEnds);
        var sessionId = await store.CreateAsync(userId, TokenIssuer.Hash(refresh), refreshEnds.ToUnixTimeMilliseconds(),
            sessionEnds.ToUnixTimeMilliseconds(), now.ToUnixTimeMilliseconds(), cancellationToken);
        var (access, accessEnds) = issuer.Issue(userId, username, sessionId, sessionEnds);
        return new TokenResponse(access, accessEnds, refresh, refreshEnds);
    }

    public async Task<(RefreshOutcome Outcome, TokenResponse? Tokens)> RefreshAsync(string refreshToken, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var now = time.GetUtcNow();
        var nowMs = now.ToUnixTimeMilliseconds();
        var hash = TokenIssuer.Hash(refreshToken);
        var session = await store.FindByRefreshAsync(hash, cancellationToken);
        if (session is not null)
        {
            if (session.RevokedAt is not null || session.RefreshExpiresAt <= nowMs || session.ExpiresAt <= nowMs) return (RefreshOutcome.Invalid, null);
            var sessionEnds = DateTimeOffset.FromUnixTimeMilliseconds(session.ExpiresAt);
            var refresh = TokenIssuer.NewRefreshToken();
            var refreshEnds = Min(now.AddDays(settings.RefreshTokenDays), sessionEnds);
            // The loser of a race answers like a reuse within the grace: its twin got the new pair.
            if (!await store.RotateAsync(session.Id, hash, TokenIssuer.Hash(refresh), refreshEnds.ToUnixTimeMilliseconds(), nowMs, cancellationToken))
            {
                return (RefreshOutcome.ReusedWithinGrace, null);
            }
            var (access, accessEnds) = issuer.Issue(session.UserId, session.Username, session.Id, sessionEnds);
            return (RefreshOutcome.Refreshed, new TokenResponse(access, accessEnds, refresh, refreshEnds));
        }

        if (await store.FindUsedAsync(hash, cancellationToken) is not { } used) return (RefreshOutcome.Invalid, null);
        if (nowMs < used.RotatedAt + settings.RefreshReuseGraceSeconds * 1000L) return (RefreshOutcome.ReusedWithinGrace, null);
        logger.LogWarning("Refresh token of session {SessionId} presented again after its rotation; revoking the session", used.SessionId);
        await RevokeAsync(used.SessionId, cancellationToken);
        return (RefreshOutcome.Theft, null);
    }

    // Logout: the token's session ends, whether the token is the current one or an already rotated one.
    public async Task LogoutAsync(string refreshToken, CancellationToken cancellationToken)
    {
        var hash = TokenIssuer.Hash(refreshToken);
        var sessionId = (await store.FindByRefreshAsync(hash, cancellationToken))?.Id ?? (await store.FindUsedAsync(hash, cancellationToken))?.SessionId;
        if (sessionId is { } id) await RevokeAsync(id, cancellationToken);
    }

    public async Task RevokeAsync(long sessionId, CancellationToken cancellationToken)
    {
        await store.RevokeAsync(sessionId, time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken);
        Revoked([sessionId]);
    }

    // Every session of the user except keepSessionId (0 keeps none).
    public async Task RevokeAllOfUserAsync(long userId, long keepSessionId, CancellationToken cancellationToken)
    {
        var ids = await store.RevokeAllOfUserAsync(userId, keepSessionId, time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken);
        Revoked(ids);
    }

    // Whether the access token's session still stands. On a database error the last known state is used, and an
    // unknown session is let through: everything it could reach but /api/me needs the database and fails anyway,
    // while refusing would send every client of a healthy token into a refresh storm against a dead database.
    public async Task<bool> IsActiveAsync(CurrentUser user, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var nowMs = now.ToUnixTimeMilliseconds();
        var maxAge = TimeSpan.FromSeconds(options.Value.SessionCheckSeconds);
        if (_checked.TryGetValue(user.SessionId, out var cached) && now - cached.CheckedAt < maxAge) return Matches(cached, user);
        try
        {
            var state = await store.StateAsync(user.SessionId, cancellationToken);
            var fresh = new CachedState(state is { RevokedAt: null } && state.ExpiresAt > nowMs, state?.UserId ?? 0, now);
            if (maxAge > TimeSpan.Zero)
            {
                if (_checked.Count >= MaxCachedSessions) Prune(now - maxAge);
                _checked[user.SessionId] = fresh;
            }
            return Matches(fresh, user);
        }
        catch (Exception ex) when (ex is DbException or TimeoutException)
        {
            logger.LogWarning("Could not check session {SessionId}: {Error}", user.SessionId, ex.Message);
            return cached is null || Matches(cached, user);
        }
    }

    private static bool Matches(CachedState state, CurrentUser user) => state.Active && state.UserId == user.Id;

    // Sessions that ended elsewhere (their account was deleted): refused at once, their connections closed.
    public void Ended(IReadOnlyCollection<long> sessionIds) => Revoked(sessionIds);

    private void Revoked(IReadOnlyCollection<long> sessionIds)
    {
        if (sessionIds.Count == 0) return;
        var now = time.GetUtcNow();
        foreach (var id in sessionIds) _checked[id] = new CachedState(false, 0, now);
        foreach (var listener in listeners) listener.SessionsRevoked(sessionIds);
        logger.LogInformation("Revoked {Count} session(s)", sessionIds.Count);
    }

    private void Prune(DateTimeOffset staleBefore)
    {
        foreach (var (id, state) in _checked)
        {
            if (state.CheckedAt < staleBefore) _checked.TryRemove(id, out _);
        }
        // Still full of fresh entries (a flood of sessions): start over rather than grow without bound.
        if (_checked.Count >= MaxCachedSessions) _checked.Clear();
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
