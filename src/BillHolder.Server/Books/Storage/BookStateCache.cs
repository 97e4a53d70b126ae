using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

using BillHolder.Server.Books.Engine;

namespace BillHolder.Server.Books.Storage;

// Parsed books by id. An entry is only used when its version equals the version read under the row lock,
// so another server process writing the book simply makes the entry miss.
internal sealed class BookStateCache(IOptions<SyncOptions> options) : IDisposable
{
    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = Math.Max(1, options.Value.CachedRecords) });
    private readonly bool _enabled = options.Value.CachedRecords > 0;

    public BookState? Get(long bookId, long version) =>
        _enabled && _cache.TryGetValue(bookId, out BookState? state) && state!.Version == version ? state : null;

    public void Set(long bookId, BookState state)
    {
        if (!_enabled) return;
        var size = 1 + state.RecordCount;
        _cache.Set(bookId, state, new MemoryCacheEntryOptions { Size = size, SlidingExpiration = TimeSpan.FromMinutes(30) });
    }

    public void Remove(long bookId) => _cache.Remove(bookId);

    public void Dispose() => _cache.Dispose();
}
