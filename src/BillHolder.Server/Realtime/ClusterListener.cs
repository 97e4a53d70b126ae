using System.Text.Json;
using BillHolder.Server.Infrastructure.Redis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace BillHolder.Server.Realtime;

// Hears the other instances' notices and keeps this instance's share of Redis fresh: its presence and connection
// entries (refreshed well within their TTL, swept on every round), and the version poll that makes good any notice
// lost. Runs only when Redis is configured; single-instance mode has nothing to hear.
internal sealed class ClusterListener(
    RedisConnection redis,
    BookFanout fanout,
    ClusterPresence presence,
    ConnectionOutboxes outboxes,
    IOptions<RealtimeOptions> options,
    ILogger<ClusterListener> logger) : BackgroundService
{
    private int _subscribed;

    // Subscribed to the other instances' notices (tests wait for it before their first one).
    internal bool IsSubscribed => Volatile.Read(ref _subscribed) == 2;

    // Tests only: notices of changes are heard and dropped, as a lossy network would, to prove the poll catches up.
    internal bool DropBookNotices { get; set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!redis.IsConfigured) return;
        redis.Connected += OnConnected;
        // Connected before this service started: nobody heard it.
        if (redis.IsAvailable) OnConnected();
        var heartbeat = TimeSpan.FromSeconds(Math.Max(1, options.Value.PresenceTtlSeconds / 3.0));
        var poll = TimeSpan.FromSeconds(options.Value.VersionPollSeconds);
        await Task.WhenAll(EveryAsync(heartbeat, HeartbeatAsync, stoppingToken), EveryAsync(poll, fanout.CheckVersionsAsync, stoppingToken));
    }

    private Task HeartbeatAsync(CancellationToken cancellationToken)
    {
        // A subscription that failed half-way is tried again here rather than at the next reconnect.
        if (!IsSubscribed && redis.IsAvailable) OnConnected();
        return presence.RefreshAsync(cancellationToken);
    }

    private async Task EveryAsync(TimeSpan period, Func<CancellationToken, Task> work, CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(period);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                await work(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Periodic cluster work failed; trying again in {Seconds} s", period.TotalSeconds);
            }
        }
    }

    // First connection: subscribe (StackExchange.Redis restores subscriptions after a reconnect by itself). Every
    // connection: whatever was missed while away is looked up (versions) and put back (presence, connections).
    private void OnConnected() => _ = Task.Run(async () =>
    {
        try
        {
            if (Interlocked.CompareExchange(ref _subscribed, 1, 0) == 0)
            {
                await SubscribeAsync();
                Volatile.Write(ref _subscribed, 2);
            }
            await presence.RefreshAsync(CancellationToken.None);
            fanout.RepublishPresence();
            await fanout.CheckVersionsAsync(CancellationToken.None);
        }
        catch (Exception ex)
        {
            if (Volatile.Read(ref _subscribed) == 1) Volatile.Write(ref _subscribed, 0);
            logger.LogWarning(ex, "Catching up after connecting to Redis failed; the version poll will");
        }
    });

    private async Task SubscribeAsync()
    {
        var subscriber = redis.Subscriber;
        await On<ClusterNotices.BookNotice>(subscriber, ClusterNotices.BookChangedChannel, notice =>
        {
            if (!DropBookNotices) fanout.CatchUp(notice.BookId, notice.Version);
        });
        await On<ClusterNotices.ClosedNotice>(subscriber, ClusterNotices.BookClosedChannel, notice => fanout.Closed(notice.BookId, notice.UserId, notice.Reason));
        await On<ClusterNotices.PresenceNotice>(subscriber, ClusterNotices.PresenceChannel, notice => fanout.PresenceRead(notice.BookId));
        await On<ClusterNotices.RevokedNotice>(subscriber, ClusterNotices.SessionsRevokedChannel, notice =>
        {
            var closed = outboxes.AbortSessions(notice.SessionIds);
            if (closed > 0) logger.LogInformation("Closed {Count} hub connection(s) of sessions revoked on instance {Origin}", closed, notice.Origin);
        });
    }

    private async Task On<T>(ISubscriber subscriber, string channel, Action<T> handle) where T : class
    {
        var queue = await subscriber.SubscribeAsync(redis.Channel(channel));
        queue.OnMessage(message =>
        {
            try
            {
                var notice = JsonSerializer.Deserialize<T>((string)message.Message!, ClusterNotices.Json);
                // Our own notices come back too: what they say was done here already.
                if (notice is null || Origin(notice) == fanout.Origin) return;
                handle(notice);
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Ignored an unreadable notice on {Channel}", channel);
            }
        });
    }

    private static string? Origin(object notice) => notice switch
    {
        ClusterNotices.BookNotice n => n.Origin,
        ClusterNotices.ClosedNotice n => n.Origin,
        ClusterNotices.PresenceNotice n => n.Origin,
        ClusterNotices.RevokedNotice n => n.Origin,
        _ => null,
    };

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        redis.Connected -= OnConnected;
        await base.StopAsync(cancellationToken);
    }
}
