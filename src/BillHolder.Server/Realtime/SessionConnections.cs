using BillHolder.Server.Accounts;

namespace BillHolder.Server.Realtime;

// A revoked session must stop syncing now, not when its access token expires: its hub connections are closed
// (the app's reconnect then fails authentication, and it signs in again).
internal sealed class SessionConnections(ConnectionOutboxes outboxes, ClusterNotices notices, ILogger<SessionConnections> logger) : ISessionEvents
{
    public void SessionsRevoked(IReadOnlyCollection<long> sessionIds)
    {
        // The other instances close theirs when they hear it.
        notices.SessionsRevoked(sessionIds);
        var closed = outboxes.AbortSessions(sessionIds);
        if (closed > 0) logger.LogInformation("Closed {Count} hub connection(s) of revoked sessions", closed);
    }
}
