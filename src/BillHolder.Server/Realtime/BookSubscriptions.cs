namespace BillHolder.Server.Realtime;

// Which connection has which book open, and from which version on it may receive pushes.
// Everything about one book happens under that book's gate, so a push and an OpenBook never interleave.
internal sealed class BookSubscriptions
{
    private readonly Dictionary<long, BookEntry> _books = new();
    private readonly Dictionary<string, HashSet<long>> _byConnection = new();

    internal sealed record Subscriber(string ConnectionId, long UserId, string Username)
    {
        // Pushes up to this version are already in the OpenBook answer.
        public long OpenedAtVersion { get; set; }
    }

    internal sealed class BookEntry
    {
        public readonly SemaphoreSlim Gate = new(1, 1);
        public readonly Dictionary<string, Subscriber> Subscribers = new();
    }

    public BookEntry For(long bookId)
    {
        lock (_books)
        {
            if (!_books.TryGetValue(bookId, out var entry)) _books[bookId] = entry = new BookEntry();
            return entry;
        }
    }

    // Call with the book's gate held.
    public void Add(long bookId, BookEntry entry, Subscriber subscriber)
    {
        lock (_books)
        {
            entry.Subscribers[subscriber.ConnectionId] = subscriber;
            if (!_byConnection.TryGetValue(subscriber.ConnectionId, out var books)) _byConnection[subscriber.ConnectionId] = books = [];
            books.Add(bookId);
        }
    }

    // Call with the book's gate held. Returns whether the connection had the book open.
    public bool Remove(long bookId, BookEntry entry, string connectionId)
    {
        lock (_books)
        {
            if (_byConnection.TryGetValue(connectionId, out var books))
            {
                books.Remove(bookId);
                if (books.Count == 0) _byConnection.Remove(connectionId);
            }
            return entry.Subscribers.Remove(connectionId);
        }
    }

    public IReadOnlyList<long> BooksOf(string connectionId)
    {
        lock (_books) return _byConnection.TryGetValue(connectionId, out var books) ? [.. books] : [];
    }

    public bool IsOpen(string connectionId, long bookId)
    {
        lock (_books) return _byConnection.TryGetValue(connectionId, out var books) && books.Contains(bookId);
    }

    public int OpenCount(string connectionId)
    {
        lock (_books) return _byConnection.TryGetValue(connectionId, out var books) ? books.Count : 0;
    }

    // Call with the book's gate held: a snapshot of the subscribers to send to.
    public Subscriber[] Snapshot(BookEntry entry)
    {
        lock (_books) return [.. entry.Subscribers.Values];
    }

    // Usernames present in the book, sorted; call with the gate held.
    public IReadOnlyList<string> Presence(BookEntry entry)
    {
        lock (_books) return [.. entry.Subscribers.Values.Select(s => s.Username).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }
}
