using BillHolder.Server.Books.Engine;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace BillHolder.Server.Books.Storage;

// A book as this process last saw it committed: its state and what storage needs to know about it.
// CollectionBytes is each collection's JSON size as a checkpoint would write it; LogBytes counts the log rows this
// process wrote or replayed since it loaded the book, CheckpointLogBytes that count when the checkpoint it knows
// of was taken, so LogBytes - CheckpointLogBytes is the log after the checkpoint.
internal sealed record StoredBook(BookState State, string LastEditedBy, long LastEditedAt, ByCollection<long> CollectionBytes,
    long CheckpointVersion, long LogBytes, long CheckpointLogBytes)
{
    public long Bytes => CollectionBytes.Wallets + CollectionBytes.Bills + CollectionBytes.Transfers + CollectionBytes.Incomes;

    public long LogBytesSinceCheckpoint => LogBytes - CheckpointLogBytes;
}

// Parsed books by id, at the last version this process saw committed. Whoever uses an entry compares its version
// with the head row it read: older entries are brought forward by replaying the log, never reloaded whole.
// Sized in records (Sync__CachedRecords); idle books age out.
internal sealed class BookStateCache(IOptions<SyncOptions> options) : IDisposable
{
    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = Math.Max(1, options.Value.CachedRecords) });
    private readonly bool _enabled = options.Value.CachedRecords > 0;

    public StoredBook? Get(long bookId) => _enabled && _cache.TryGetValue(bookId, out StoredBook? book) ? book : null;

    // Keeps the newer of what is cached and what is offered: readers and writers race to put their result here.
    public void Offer(long bookId, StoredBook book) => Update(bookId, current => current is null || current.State.Version <= book.State.Version ? book : current);

    // Atomic read-modify-write of one entry (the checkpointer records a checkpoint on whatever version is cached now).
    public void Update(long bookId, Func<StoredBook?, StoredBook?> update)
    {
        if (!_enabled) return;
        lock (_cache)
        {
            var current = Get(bookId);
            var next = update(current);
            if (next is null || ReferenceEquals(next, current)) return;
            _cache.Set(bookId, next, new MemoryCacheEntryOptions { Size = 1 + next.State.RecordCount, SlidingExpiration = TimeSpan.FromMinutes(30) });
        }
    }

    public void Remove(long bookId)
    {
        lock (_cache) _cache.Remove(bookId);
    }

    public void Dispose() => _cache.Dispose();
}
