using BillHolder.Server.Books;
using BillHolder.Server.Books.Engine;
using BillHolder.Server.Books.Storage;
using BillHolder.Server.Infrastructure.Metrics;

namespace BillHolder.Server.Realtime;

// Books' events become pushes to the connections that have a book open here. Each book has its own ordered queue
// drained by one worker, so pushes leave in version order and a sync never waits; the worker only hands pushes to
// per-connection outboxes, so no client, however slow, holds back a book.
//
// Several instances (Redis configured): each one pushes to its own connections. The book's last pushed version
// here is the rule: a change at or below it is dropped, a change above it first has the gap filled from the log,
// so every connection gets every version once, in order, whichever instance took the sync. Notices from other
// instances and the version poll only say "the book is at N now"; the changes are read from the log.
internal sealed class BookFanout : IBookEvents
{
    // Versions read from the log per query while catching up.
    private const int CatchUpBatch = 100;

    private readonly Dictionary<long, Queue<Push>> _queues = new();
    // The hub connection that sent each local sync until its push is handled, so that a catch-up reading that version
    // from the log (a later notice overtook it) does not push it back to its sender.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(long BookId, long Version), string> _origins = new();
    private readonly BookSubscriptions _subscriptions;
    private readonly ConnectionOutboxes _outboxes;
    private readonly MemberStore _members;
    private readonly ChangeLogStore _log;
    private readonly BookStore _books;
    private readonly ClusterNotices _notices;
    private readonly ClusterPresence _presence;
    private readonly BillHolderMetrics _metrics;
    private readonly ILogger<BookFanout> _logger;

    public BookFanout(BookSubscriptions subscriptions, ConnectionOutboxes outboxes, MemberStore members, ChangeLogStore log, BookStore books,
        ClusterNotices notices, ClusterPresence presence, BillHolderMetrics metrics, ILogger<BookFanout> logger)
    {
        (_subscriptions, _outboxes, _members, _log, _books, _notices, _presence, _metrics, _logger) =
            (subscriptions, outboxes, members, log, books, notices, presence, metrics, logger);
        // Entries of a dead instance expired: the others hear it, this instance re-reads.
        presence.SweptPresence = bookId =>
        {
            notices.PresenceChanged(bookId);
            Enqueue(bookId, new PresencePush(Local: false));
        };
    }

    private abstract record Push;

    // A sync through this instance, with its changes in hand. Origin is the hub connection that sent it; QueuedAt
    // starts the push latency metric.
    private sealed record ChangesPush(ChangeSet Changes, string? OriginConnectionId) : Push
    {
        public long QueuedAt { get; } = System.Diagnostics.Stopwatch.GetTimestamp();
    }

    // The book is at least at this version (a notice or the poll): push what is missing from the log.
    private sealed record CatchUpPush(long Version) : Push;

    // Local: who has the book open here changed (Redis is written, the others told); else only re-read and push.
    private sealed record PresencePush(bool Local) : Push;

    // UserId null closes the book for everyone (it was deleted).
    private sealed record ClosePush(long? UserId, string Reason) : Push;

    public string Origin => _notices.Origin;

    public void BookChanged(ChangeSet changes, string? origin)
    {
        if (origin is not null) _origins[(changes.BookId, changes.ToVersion)] = origin;
        Enqueue(changes.BookId, new ChangesPush(changes, origin));
        _notices.BookChanged(changes.BookId, changes.ToVersion);
    }

    public void PresenceChanged(long bookId) => Enqueue(bookId, new PresencePush(Local: true));

    public void BookDeleted(long bookId)
    {
        Enqueue(bookId, new ClosePush(null, BookClosedReasons.BookDeleted));
        _notices.BookClosed(bookId, null, BookClosedReasons.BookDeleted);
    }

    public void MemberRemoved(long bookId, long userId)
    {
        Enqueue(bookId, new ClosePush(userId, BookClosedReasons.MembershipRemoved));
        _notices.BookClosed(bookId, userId, BookClosedReasons.MembershipRemoved);
    }

    // From other instances.
    internal void CatchUp(long bookId, long version)
    {
        if (_subscriptions.Tracks(bookId)) Enqueue(bookId, new CatchUpPush(version));
    }

    internal void Closed(long bookId, long? userId, string reason)
    {
        if (_subscriptions.Tracks(bookId)) Enqueue(bookId, new ClosePush(userId, reason));
    }

    internal void PresenceRead(long bookId)
    {
        if (_subscriptions.Tracks(bookId)) Enqueue(bookId, new PresencePush(Local: false));
    }

    // After a reconnect to Redis: presence pushed while it was away named this instance's users only.
    internal void RepublishPresence()
    {
        foreach (var (bookId, _) in _subscriptions.OpenBooks()) Enqueue(bookId, new PresencePush(Local: true));
    }

    // The version poll (and every reconnect to Redis): one query for the stored version of every book open here;
    // a book ahead of what was pushed catches up, a book gone was deleted while its notice was lost.
    public async Task CheckVersionsAsync(CancellationToken cancellationToken)
    {
        var open = _subscriptions.OpenBooks();
        var stored = new Dictionary<long, long>();
        // One query per thousand books keeps the statement small.
        foreach (var chunk in open.Select(b => b.BookId).Chunk(1000))
        {
            foreach (var (bookId, version) in await _books.VersionsAsync(chunk, cancellationToken)) stored[bookId] = version;
        }
        foreach (var (bookId, pushed) in open)
        {
            if (!stored.TryGetValue(bookId, out var version)) Enqueue(bookId, new ClosePush(null, BookClosedReasons.BookDeleted));
            else if (version > pushed) Enqueue(bookId, new CatchUpPush(version));
        }
    }

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
                _logger.LogWarning(ex, "Push {Push} to book {BookId} failed", push.GetType().Name, bookId);
            }
        }
    }

    private async Task DeliverAsync(long bookId, Push push)
    {
        // Membership is read again for every change: a member removed through another server process whose notice
        // was lost stops receiving the book here all the same. Books nobody has open here need no read: whoever
        // opens one later gets this change in the OpenBook answer.
        var memberIds = push is ChangesPush or CatchUpPush && _subscriptions.Tracks(bookId) ? await MembersOrNullAsync(bookId) : null;
        using var gate = await _subscriptions.EnterAsync(bookId, CancellationToken.None);
        switch (push)
        {
            case ChangesPush { Changes: var changes, OriginConnectionId: var origin , QueuedAt: var queuedAt }:
                try
                {
                    if (CloseRemoved(bookId, memberIds)) return;
                    await PushChangesAsync(bookId, changes.ToVersion, changes, origin, queuedAt);
                }
                finally
                {
                    _origins.TryRemove((bookId, changes.ToVersion), out _);
                }
                break;

            case CatchUpPush { Version: var version }:
                if (CloseRemoved(bookId, memberIds)) return;
                await PushChangesAsync(bookId, version, null, null, null);
                break;

            case PresencePush { Local: var local }:
                await SendPresenceAsync(bookId, local);
                break;

            case ClosePush { UserId: var userId, Reason: var reason }:
                Close(bookId, [.. _subscriptions.Snapshot(bookId).Where(s => userId is null || s.UserId == userId)], reason);
                break;
        }
    }

    // With the gate held: closes the book for subscribers who are no longer members. True when nobody is left.
    private bool CloseRemoved(long bookId, HashSet<long>? memberIds)
    {
        if (memberIds is null) return false;
        var gone = _subscriptions.Snapshot(bookId).Where(s => !memberIds.Contains(s.UserId)).ToList();
        // A book always has an owner, so no members at all means it was deleted.
        Close(bookId, gone, memberIds.Count == 0 ? BookClosedReasons.BookDeleted : BookClosedReasons.MembershipRemoved);
        return !_subscriptions.Tracks(bookId);
    }

    // With the gate held: every version after the last pushed one up to `target`, in order, once. `inHand` (a sync
    // through this instance) is pushed as it is when it follows on; versions before it come from the log.
    private async Task PushChangesAsync(long bookId, long target, ChangeSet? inHand, string? origin, long? queuedAt)
    {
        while (_subscriptions.PushedVersion(bookId) is { } pushed && pushed < target)
        {
            if (inHand is not null && inHand.FromVersion < pushed) inHand = null;
            if (inHand is not null && inHand.FromVersion == pushed)
            {
                Send(bookId, inHand, origin, queuedAt);
                return;
            }
            var upto = inHand?.FromVersion ?? target;
            var read = await _log.PushesAfterAsync(bookId, pushed, (int)Math.Min(CatchUpBatch, upto - pushed), CancellationToken.None);
            if (read is null or { Count: 0 })
            {
                // The log no longer holds what these connections miss (or not yet: another process's commit we
                // cannot see). Their apps reconnect and catch up with OpenBook(sinceVersion), as after an overflow.
                _logger.LogWarning("Book {BookId}: versions after {Version} cannot be read from the log; closing its connections here so they catch up",
                    bookId, pushed);
                foreach (var s in _subscriptions.Snapshot(bookId)) _outboxes.Abort(s.ConnectionId);
                return;
            }
            foreach (var changes in read.Where(c => c.ToVersion <= upto)) Send(bookId, changes, null, null);
        }
    }

    // Push latency is measured for the syncs this instance took (from their queueing); versions read from the log
    // came from elsewhere, where the clock started.
    private void Send(long bookId, ChangeSet changes, string? origin, long? queuedAt)
    {
        origin ??= _origins.GetValueOrDefault((bookId, changes.ToVersion));
        foreach (var s in _subscriptions.Snapshot(bookId))
        {
            if (s.ConnectionId == origin || s.OpenedAtVersion >= changes.ToVersion) continue;
            _outboxes.TrySend(s.ConnectionId, queuedAt is { } at ? c => _metrics.Pushed(c.BookChanged(changes), at) : c => c.BookChanged(changes));
        }
        _subscriptions.Pushed(bookId, changes.ToVersion);
    }

    // Null when the read fails: the push then goes to the current subscribers (removals made through this
    // process have closed theirs already) rather than to nobody.
    private async Task<HashSet<long>?> MembersOrNullAsync(long bookId)
    {
        try
        {
            return await _members.UserIdsAsync(bookId, CancellationToken.None);
        }
        catch (Exception ex) when (Infrastructure.Database.DbConnectionFactory.IsOutage(ex))
        {
            _logger.LogWarning(ex, "Could not re-read the members of book {BookId} before a push; pushing to its current subscribers", bookId);
            return null;
        }
    }

    // With the gate held: the connections stop receiving the book at once; presence is pushed next, from the queue.
    private void Close(long bookId, IReadOnlyList<BookSubscriptions.Subscriber> closed, string reason)
    {
        if (closed.Count == 0) return;
        foreach (var s in closed)
        {
            _subscriptions.Remove(bookId, s.ConnectionId);
            _outboxes.TrySend(s.ConnectionId, c => c.BookClosed(bookId, reason));
        }
        Enqueue(bookId, new PresencePush(Local: true));
    }

    // With the gate held. Over all instances when Redis answers, else this instance's own.
    private async Task SendPresenceAsync(long bookId, bool local)
    {
        if (_notices.IsClustered && local && await _presence.WriteAsync(bookId)) _notices.PresenceChanged(bookId);
        var subscribers = _subscriptions.Snapshot(bookId);
        if (subscribers.Length == 0) return;
        var users = (_notices.IsClustered ? await _presence.ReadAsync(bookId) : null) ?? _subscriptions.Presence(bookId);
        foreach (var s in subscribers) _outboxes.TrySend(s.ConnectionId, c => c.PresenceChanged(bookId, users));
    }
}
