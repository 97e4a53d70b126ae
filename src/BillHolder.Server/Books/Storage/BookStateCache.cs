using System.Collections.Immutable;
using BillHolder.Server.Books.Engine;
using BillHolder.Server.Infrastructure.Metrics;
using Microsoft.Extensions.Options;

namespace BillHolder.Server.Books.Storage;

// A book as this process last saw it committed: its state and what storage needs to know about it.
// CollectionBytes is each collection's JSON size as a checkpoint would write it; Log lists the log rows after the
// checkpoint this process knows of (version and weight), so what a checkpoint would save is known without a query.
internal sealed record StoredBook(BookState State, string LastEditedBy, long LastEditedAt, ByCollection<long> CollectionBytes,
    long CheckpointVersion, ImmutableList<LoggedVersion> Log)
{
    public long Bytes => CollectionBytes.Wallets + CollectionBytes.Bills + CollectionBytes.Transfers + CollectionBytes.Incomes;

    // Asked after every commit, so kept as a running sum rather than summed over a log of thousands of rows.
    public long LogBytesSinceCheckpoint { get; private init; } = Log.Sum(entry => entry.Bytes);

    // The change sets of the last versions this process applied, consecutive and oldest first, so the answer for a
    // client a few versions behind (many writers on one book) is put together in memory: no log read under the
    // book's lock and no scan of the whole book. Versions replayed from the log are not kept (their rows do not
    // carry the conflicts), so a book brought forward starts a new window.
    public ImmutableList<ChangeSet> Recent { get; private init; } = [];

    public const int RecentVersions = 256;

    public StoredBook Logged(long version, long bytes, ChangeSet? applied = null)
    {
        var recent = applied is null ? []
            : Recent.Count > 0 && Recent[^1].ToVersion == applied.FromVersion ? Recent.Add(applied) : [applied];
        if (recent.Count > RecentVersions) recent = recent.RemoveAt(0);
        return this with
        {
            Log = Log.Add(new LoggedVersion(version, bytes)),
            LogBytesSinceCheckpoint = LogBytesSinceCheckpoint + bytes,
            Recent = recent,
        };
    }

    // What changed after `since`, when the recent window covers it; null sends the caller to the log.
    public ChangeSet? RecentChangesSince(long bookId, long since)
    {
        if (Recent.Count == 0 || since < Recent[0].FromVersion || since >= State.Version || Recent[^1].ToVersion != State.Version) return null;
        var first = (int)(since - Recent[0].FromVersion);
        return ChangeSet.Merged(bookId, State, since, Recent.GetRange(first, Recent.Count - first));
    }

    // What a checkpoint at `version` (written here or by another process) covers is no longer log to replay.
    public StoredBook CheckpointedAt(long version)
    {
        if (version <= CheckpointVersion) return this;
        var log = Log.RemoveAll(entry => entry.Version <= version);
        return this with { CheckpointVersion = version, Log = log, LogBytesSinceCheckpoint = log.Sum(entry => entry.Bytes) };
    }
}

internal sealed record LoggedVersion(long Version, long Bytes);

// Parsed books by id, at the last version this process saw committed, least recently used first out, bounded by
// Sync__CachedRecords (0 turns it off). The book just used always stays, even one bigger than the bound: evicting
// the book being written would make each of its syncs reload it whole. Whoever uses an entry compares its version
// with the head row it read: older entries are brought forward by replaying the log, never reloaded whole.
internal sealed class BookStateCache(IOptions<SyncOptions> options, TimeProvider time, BillHolderMetrics metrics)
{
    private static readonly TimeSpan IdleLimit = TimeSpan.FromMinutes(30);

    private readonly long _limit = options.Value.CachedRecords;
    private readonly Dictionary<long, LinkedListNode<Entry>> _entries = new();
    private readonly LinkedList<Entry> _byUse = new();
    private long _records;

    private sealed record Entry(long BookId, StoredBook Book, long Records, DateTimeOffset UsedAt);

    public StoredBook? Get(long bookId)
    {
        lock (_entries)
        {
            if (!_entries.TryGetValue(bookId, out var node)) return null;
            Touch(node, node.Value with { UsedAt = time.GetUtcNow() });
            return node.Value.Book;
        }
    }

    // Keeps the newer of what is cached and what is offered (readers and writers race to put their result here),
    // with the newest checkpoint either of them knows.
    public void Offer(long bookId, StoredBook book) => Update(bookId, current =>
        current is null ? book
        : current.State.Version > book.State.Version ? current.CheckpointedAt(book.CheckpointVersion)
        : book.CheckpointedAt(current.CheckpointVersion));

    // Atomic read-modify-write of one entry (the checkpointer records a checkpoint on whatever version is cached now).
    public void Update(long bookId, Func<StoredBook?, StoredBook?> update)
    {
        if (_limit <= 0) return;
        lock (_entries)
        {
            _entries.TryGetValue(bookId, out var node);
            var next = update(node?.Value.Book);
            if (next is null || ReferenceEquals(next, node?.Value.Book)) return;
            var entry = new Entry(bookId, next, 1 + next.State.RecordCount, time.GetUtcNow());
            if (node is null)
            {
                _entries[bookId] = _byUse.AddFirst(entry);
                _records += entry.Records;
            }
            else
            {
                _records += entry.Records - node.Value.Records;
                Touch(node, entry);
            }
            Evict(keep: bookId);
            metrics.CachedRecords(_records);
        }
    }

    public void Remove(long bookId)
    {
        lock (_entries)
        {
            if (!_entries.Remove(bookId, out var node)) return;
            _byUse.Remove(node);
            _records -= node.Value.Records;
            metrics.CachedRecords(_records);
        }
    }

    internal long CachedRecordCount
    {
        get { lock (_entries) return _records; }
    }

    private void Touch(LinkedListNode<Entry> node, Entry entry)
    {
        node.Value = entry;
        _byUse.Remove(node);
        _byUse.AddFirst(node);
    }

    // Oldest first: over the bound, or idle too long; never the book in hand.
    private void Evict(long keep)
    {
        var now = time.GetUtcNow();
        while (_byUse.Last is { } last && last.Value.BookId != keep && (_records > _limit || now - last.Value.UsedAt > IdleLimit))
        {
            _byUse.RemoveLast();
            _entries.Remove(last.Value.BookId);
            _records -= last.Value.Records;
        }
    }
}
