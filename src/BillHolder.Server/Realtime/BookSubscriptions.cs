using BillHolder.Server.Infrastructure;
using BillHolder.Server.Infrastructure.Metrics;

namespace BillHolder.Server.Realtime;

// Which connection has which book open, and from which version on it may receive pushes.
// Each book has a gate (a keyed lock): pushes, opens and closes of one book happen one at a time under it,
// so a push and an OpenBook answer never interleave. A book's entry disappears with its last subscriber.
internal sealed class BookSubscriptions(BillHolderMetrics metrics)
{
    private readonly KeyedLock<long> _gates = new();
    private readonly Dictionary<long, Dictionary<string, Subscriber>> _books = new();
    private readonly Dictionary<string, HashSet<long>> _byConnection = new();
    private readonly Dictionary<string, long> _live = new();
    private readonly Dictionary<long, int> _connectionsPerUser = new();
    // Per open book: the last version whose push this process has handed out (or that its first opener read).
    private readonly Dictionary<long, long> _pushed = new();

    internal sealed record Subscriber(string ConnectionId, long UserId, string Username)
    {
        // Pushes up to this version are already in the OpenBook answer.
        public long OpenedAtVersion { get; init; }
    }

    public Task<IDisposable> EnterAsync(long bookId, CancellationToken cancellationToken) => _gates.LockAsync(bookId, cancellationToken);

    // False (and nothing recorded) when the user already has their allowance of connections.
    public bool Connect(string connectionId, long userId, int maxPerUser)
    {
        lock (_books)
        {
            var count = _connectionsPerUser.GetValueOrDefault(userId);
            if (count >= maxPerUser) return false;
            _connectionsPerUser[userId] = count + 1;
            _live[connectionId] = userId;
            return true;
        }
    }

    // From here on the connection cannot open books (an OpenBook still in flight is refused); returns the
    // books it had open, to be removed under their gates.
    public IReadOnlyList<long> Disconnect(string connectionId)
    {
        lock (_books)
        {
            if (_live.Remove(connectionId, out var userId) && --_connectionsPerUser[userId] == 0) _connectionsPerUser.Remove(userId);
            return _byConnection.TryGetValue(connectionId, out var books) ? [.. books] : [];
        }
    }

    // With the gate held. False when the connection is already gone; joined tells whether presence changed.
    public bool TryAdd(long bookId, Subscriber subscriber, out bool joined)
    {
        lock (_books)
        {
            joined = false;
            if (!_live.ContainsKey(subscriber.ConnectionId)) return false;
            if (!_books.TryGetValue(bookId, out var subscribers))
            {
                _books[bookId] = subscribers = new();
                _pushed[bookId] = subscriber.OpenedAtVersion;
                metrics.BookOpened();
            }
            joined = subscribers.Values.All(s => s.UserId != subscriber.UserId);
            subscribers[subscriber.ConnectionId] = subscriber;
            if (!_byConnection.TryGetValue(subscriber.ConnectionId, out var books)) _byConnection[subscriber.ConnectionId] = books = [];
            books.Add(bookId);
            return true;
        }
    }

    // With the gate held. Returns whether the connection's user is no longer present (presence changed).
    public bool Remove(long bookId, string connectionId)
    {
        lock (_books)
        {
            if (_byConnection.TryGetValue(connectionId, out var books) && books.Remove(bookId) && books.Count == 0)
            {
                _byConnection.Remove(connectionId);
            }
            if (!_books.TryGetValue(bookId, out var subscribers) || !subscribers.Remove(connectionId, out var removed)) return false;
            if (subscribers.Count == 0 && _books.Remove(bookId))
            {
                _pushed.Remove(bookId);
                metrics.BookClosed();
            }
            return subscribers.Values.All(s => s.UserId != removed.UserId);
        }
    }

    // With the gate held: the subscribers to send to.
    public Subscriber[] Snapshot(long bookId)
    {
        lock (_books) return _books.TryGetValue(bookId, out var subscribers) ? [.. subscribers.Values] : [];
    }

    // Usernames present in the book, sorted.
    public IReadOnlyList<string> Presence(long bookId)
    {
        lock (_books)
        {
            return _books.TryGetValue(bookId, out var subscribers)
                ? [.. subscribers.Values.Select(s => s.Username).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)]
                : [];
        }
    }

    public bool CanOpen(string connectionId, long bookId, int maxOpen)
    {
        lock (_books) return !_byConnection.TryGetValue(connectionId, out var books) || books.Contains(bookId) || books.Count < maxOpen;
    }

    // With the gate held: the last version pushed to the book's connections here; null when none has it open.
    public long? PushedVersion(long bookId)
    {
        lock (_books) return _pushed.TryGetValue(bookId, out var version) ? version : null;
    }

    // With the gate held.
    public void Pushed(long bookId, long version)
    {
        lock (_books)
        {
            if (_pushed.ContainsKey(bookId)) _pushed[bookId] = version;
        }
    }

    // Every book open here with its last pushed version, for the version poll.
    public IReadOnlyList<(long BookId, long Pushed)> OpenBooks()
    {
        lock (_books) return [.. _pushed.Select(p => (p.Key, p.Value))];
    }

    // Every live connection with its user, for refreshing their entries in Redis.
    public IReadOnlyList<(string ConnectionId, long UserId)> LiveConnections()
    {
        lock (_books) return [.. _live.Select(l => (l.Key, l.Value))];
    }

    internal bool Tracks(long bookId)
    {
        lock (_books) return _books.ContainsKey(bookId);
    }
}
