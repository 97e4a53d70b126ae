namespace BillHolder.Server.Infrastructure;

// An async lock per key, in the calling shape of AsyncKeyedLock (not served by our package feed):
// `using (await locks.LockAsync(key, ct)) { ... }`. One SemaphoreSlim per key while anyone holds or waits for
// it, removed after, so idle keys cost nothing. Serializes within this process only.
internal sealed class KeyedLock<TKey> where TKey : notnull
{
    private readonly Dictionary<TKey, Entry> _entries = new();

    public async Task<IDisposable> LockAsync(TKey key, CancellationToken cancellationToken)
    {
        Entry entry;
        lock (_entries)
        {
            if (!_entries.TryGetValue(key, out entry!))
            {
                entry = new Entry();
                _entries[key] = entry;
            }
            entry.References++;
        }

        try
        {
            await entry.Semaphore.WaitAsync(cancellationToken);
        }
        catch
        {
            Release(key, entry, held: false);
            throw;
        }
        return new Releaser(this, key, entry);
    }

    internal int HeldOrAwaitedCount
    {
        get { lock (_entries) return _entries.Count; }
    }

    private void Release(TKey key, Entry entry, bool held)
    {
        lock (_entries)
        {
            if (--entry.References == 0) _entries.Remove(key);
        }
        if (held) entry.Semaphore.Release();
    }

    private sealed class Entry
    {
        public readonly SemaphoreSlim Semaphore = new(1, 1);
        public int References;
    }

    private sealed class Releaser(KeyedLock<TKey> owner, TKey key, Entry entry) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) owner.Release(key, entry, held: true);
        }
    }
}
