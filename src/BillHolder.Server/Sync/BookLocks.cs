namespace BillHolder.Server.Sync;

// A keyed async lock: one SemaphoreSlim per book while anyone holds or waits for it, removed after.
// Only serializes within this process; the book row's SELECT ... FOR UPDATE covers other processes.
internal sealed class BookLocks
{
    private readonly Dictionary<long, Entry> _entries = new();

    public async Task<IDisposable> LockAsync(long bookId, CancellationToken cancellationToken)
    {
        Entry entry;
        lock (_entries)
        {
            if (!_entries.TryGetValue(bookId, out entry!))
            {
                entry = new Entry();
                _entries[bookId] = entry;
            }
            entry.References++;
        }

        try
        {
            await entry.Semaphore.WaitAsync(cancellationToken);
        }
        catch
        {
            Release(bookId, entry, held: false);
            throw;
        }
        return new Releaser(this, bookId, entry);
    }

    internal int HeldOrAwaitedCount
    {
        get { lock (_entries) return _entries.Count; }
    }

    private void Release(long bookId, Entry entry, bool held)
    {
        lock (_entries)
        {
            if (--entry.References == 0) _entries.Remove(bookId);
        }
        if (held) entry.Semaphore.Release();
    }

    private sealed class Entry
    {
        public readonly SemaphoreSlim Semaphore = new(1, 1);
        public int References;
    }

    private sealed class Releaser(BookLocks owner, long bookId, Entry entry) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) owner.Release(bookId, entry, held: true);
        }
    }
}
