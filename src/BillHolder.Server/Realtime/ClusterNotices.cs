using System.Text.Json;
using BillHolder.Server.Infrastructure;
using BillHolder.Server.Infrastructure.Redis;
using StackExchange.Redis;

namespace BillHolder.Server.Realtime;

// The small notices instances tell each other over Redis pub/sub. They carry no data, only "look again": pub/sub
// loses messages while a connection is down and orders them only per publisher, so each instance reads the
// changes from the log and tracks the last version it pushed (BookFanout), and a lost notice is made good by the
// version poll. Publishing never waits and never fails a caller: without Redis there is nobody to tell.
internal sealed class ClusterNotices(RedisConnection redis, InstanceIdentity instance, ILogger<ClusterNotices> logger)
{
    public const string BookChangedChannel = "notices:book-changed";
    public const string BookClosedChannel = "notices:book-closed";
    public const string PresenceChannel = "notices:presence";
    public const string SessionsRevokedChannel = "notices:sessions-revoked";

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    // A book moved to `version` (a sync through the origin instance).
    internal sealed record BookNotice(long BookId, long Version, string Origin);

    // Connections to the book must close: one user's (removed from it) or everyone's (userId null: deleted).
    internal sealed record ClosedNotice(long BookId, long? UserId, string Reason, string Origin);

    // Who has the book open changed; read it from Redis.
    internal sealed record PresenceNotice(long BookId, string Origin);

    internal sealed record RevokedNotice(long[] SessionIds, string Origin);

    public bool IsClustered => redis.IsConfigured;

    public string Origin => instance.Id;

    public void BookChanged(long bookId, long version) => Publish(BookChangedChannel, new BookNotice(bookId, version, instance.Id));

    public void BookClosed(long bookId, long? userId, string reason) => Publish(BookClosedChannel, new ClosedNotice(bookId, userId, reason, instance.Id));

    public void PresenceChanged(long bookId) => Publish(PresenceChannel, new PresenceNotice(bookId, instance.Id));

    public void SessionsRevoked(IReadOnlyCollection<long> sessionIds) =>
        Publish(SessionsRevokedChannel, new RevokedNotice([.. sessionIds], instance.Id));

    private void Publish<T>(string channel, T notice)
    {
        if (!redis.IsAvailable) return;
        try
        {
            redis.Subscriber.Publish(redis.Channel(channel), JsonSerializer.Serialize(notice, Json), CommandFlags.FireAndForget);
        }
        catch (Exception ex) when (RedisExtensions.IsOutage(ex))
        {
            logger.LogDebug(ex, "Could not publish a notice on {Channel}", channel);
        }
    }
}
