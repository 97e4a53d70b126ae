namespace BillHolder.Server.Accounts;

// What Accounts tells the world when sessions end (logout, theft, password change, account deletion). Realtime
// implements it by closing those sessions' hub connections; Accounts itself sees nothing of hubs. Must not block.
internal interface ISessionEvents
{
    void SessionsRevoked(IReadOnlyCollection<long> sessionIds);
}
