using BillHolder.Server.Books;
using BillHolder.Server.Books.Engine;
using BillHolder.Server.Books.Storage;
using BillHolder.Server.Infrastructure.Metrics;

namespace BillHolder.Server.Realtime;

// Books' events become pushes to the connections that have a book open. Each book has its own ordered queue drained by one worker,
// so pushes leave in version order and a sync never waits; the worker only hands pushes to per-connection
// outboxes, so no client, however slow, holds back a book.
internal sealed class BookFanout(BookSubscriptions subscriptions, ConnectionOutboxes outboxes, MemberStore members, BillHolderMetrics metrics,
    ILogger<BookFanout> logger)
    : IBookEvents
{
    private readonly Dictionary<long, Queue<Push>> _queues = new();

    private abstract record Push;

    private sealed record ChangesPush(ChangeSet Changes, string? OriginConnectionId) : Push
    {
        public long QueuedAt { get; } = System.Diagnostics.Stopwatch.GetTimestamp();
    }

    private sealed record PresencePush : Push;

    // UserId null closes the book for everyone (it was deleted).
    private sealed record ClosePush(long? UserId, string Reason) : Push;

    public void BookChanged(ChangeSet changes, string? origin) => Enqueue(changes.BookId, new ChangesPush(changes, origin));

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
        // Membership is read again for every change: a member removed through another server process (which
        // could not tell this one) stops receiving the book here all the same. Books nobody has open here
        // need no read: whoever opens one later gets this change in the OpenBook answer.
        var memberIds = push is ChangesPush && subscriptions.Tracks(bookId) ? await MembersOrNullAsync(bookId) : null;
        using var gate = await subscriptions.EnterAsync(bookId, CancellationToken.None);
        var subscribers = subscriptions.Snapshot(bookId);
        switch (push)
        {
            case ChangesPush { Changes: var changes, OriginConnectionId: var origin, QueuedAt: var queuedAt }:
                var gone = memberIds is null ? [] : subscribers.Where(s => !memberIds.Contains(s.UserId)).ToList();
                // A book always has an owner, so no members at all means it was deleted.
                Close(bookId, gone, memberIds is { Count: 0 } ? BookClosedReasons.BookDeleted : BookClosedReasons.MembershipRemoved);
                foreach (var s in subscribers.Except(gone))
                {
                    if (s.ConnectionId != origin && s.OpenedAtVersion < changes.ToVersion) outboxes.TrySend(s.ConnectionId, c => metrics.Pushed(c.BookChanged(changes), queuedAt));
                }
                break;

            case PresencePush:
                SendPresence(bookId, subscribers);
                break;

            case ClosePush { UserId: var userId, Reason: var reason }:
                Close(bookId, [.. subscribers.Where(s => userId is null || s.UserId == userId)], reason);
                break;
        }
    }

    // Null when the read fails: the push then goes to the current subscribers (removals made through this
    // process have closed theirs already) rather than to nobody.
    private async Task<HashSet<long>?> MembersOrNullAsync(long bookId)
    {
        try
        {
            return await members.UserIdsAsync(bookId, CancellationToken.None);
        }
        catch (Exception ex) when (Infrastructure.Database.DbConnectionFactory.IsOutage(ex))
        {
            logger.LogWarning(ex, "Could not re-read the members of book {BookId} before a push; pushing to its current subscribers", bookId);
            return null;
        }
    }

    // With the gate held: the connections stop receiving the book at once, the rest see presence shrink.
    private void Close(long bookId, IReadOnlyList<BookSubscriptions.Subscriber> closed, string reason)
    {
        if (closed.Count == 0) return;
        foreach (var s in closed)
        {
            subscriptions.Remove(bookId, s.ConnectionId);
            outboxes.TrySend(s.ConnectionId, c => c.BookClosed(bookId, reason));
        }
        SendPresence(bookId, subscriptions.Snapshot(bookId));
    }

    private void SendPresence(long bookId, BookSubscriptions.Subscriber[] subscribers)
    {
        if (subscribers.Length == 0) return;
        var users = subscriptions.Presence(bookId);
        foreach (var s in subscribers) outboxes.TrySend(s.ConnectionId, c => c.PresenceChanged(bookId, users));
    }
}
