using BillHolder.Server.Sync;
using Microsoft.AspNetCore.SignalR;

namespace BillHolder.Server.Realtime;

// Pushes to the connections that have a book open. Each book has its own ordered queue drained by one worker,
// so pushes leave in version order, a sync never waits for a client, and a slow book does not delay others.
internal sealed class BookFanout(BookSubscriptions subscriptions, IHubContext<BookHub, IBookClient> hub, ILogger<BookFanout> logger)
{
    private readonly Dictionary<long, Queue<Push>> _queues = new();

    private abstract record Push;

    private sealed record ChangesPush(ChangeSet Changes, string? OriginConnectionId) : Push;

    private sealed record PresencePush : Push;

    // UserId null closes the book for everyone (it was deleted).
    private sealed record ClosePush(long? UserId, string Reason) : Push;

    public void Publish(ChangeSet changes, string? originConnectionId) => Enqueue(changes.BookId, new ChangesPush(changes, originConnectionId));

    public void PresenceChanged(long bookId) => Enqueue(bookId, new PresencePush());

    public void BookDeleted(long bookId) => Enqueue(bookId, new ClosePush(null, BookClosedReasons.BookDeleted));

    public void MemberRemoved(long bookId, long userId) => Enqueue(bookId, new ClosePush(userId, BookClosedReasons.MembershipRemoved));

    private void Enqueue(long bookId, Push push)
    {
        lock (_queues)
        {
            if (_queues.TryGetValue(bookId, out var queue))
            {
                queue.Enqueue(push);
                return;
            }
            _queues[bookId] = queue = new Queue<Push>();
            queue.Enqueue(push);
        }
        _ = Task.Run(() => DrainAsync(bookId));
    }

    private async Task DrainAsync(long bookId)
    {
        while (true)
        {
            Push push;
            lock (_queues)
            {
                var queue = _queues[bookId];
                if (!queue.TryDequeue(out push!))
                {
                    _queues.Remove(bookId);
                    return;
                }
            }
            try
            {
                await DeliverAsync(bookId, push);
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Push {Push} to book {BookId} failed", push.GetType().Name, bookId);
            }
        }
    }

    private async Task DeliverAsync(long bookId, Push push)
    {
        using var gate = await subscriptions.EnterAsync(bookId, CancellationToken.None);
        var subscribers = subscriptions.Snapshot(bookId);
        switch (push)
        {
            case ChangesPush { Changes: var changes, OriginConnectionId: var origin }:
                var targets = subscribers
                    .Where(s => s.ConnectionId != origin && s.OpenedAtVersion < changes.ToVersion)
                    .Select(s => s.ConnectionId).ToList();
                if (targets.Count > 0) await hub.Clients.Clients(targets).BookChanged(changes);
                break;

            case PresencePush:
                await SendPresenceAsync(bookId, subscribers);
                break;

            case ClosePush { UserId: var userId, Reason: var reason }:
                var closed = subscribers.Where(s => userId is null || s.UserId == userId).ToList();
                if (closed.Count == 0) break;
                foreach (var s in closed) subscriptions.Remove(bookId, s.ConnectionId);
                await hub.Clients.Clients([.. closed.Select(s => s.ConnectionId)]).BookClosed(bookId, reason);
                await SendPresenceAsync(bookId, subscriptions.Snapshot(bookId));
                break;
        }
    }

    private async Task SendPresenceAsync(long bookId, BookSubscriptions.Subscriber[] subscribers)
    {
        if (subscribers.Length == 0) return;
        await hub.Clients.Clients([.. subscribers.Select(s => s.ConnectionId)]).PresenceChanged(bookId, subscriptions.Presence(bookId));
    }
}
