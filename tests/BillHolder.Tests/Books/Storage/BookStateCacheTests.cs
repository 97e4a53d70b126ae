using BillHolder.Server.Books;
using BillHolder.Server.Books.Engine;
using BillHolder.Server.Books.Storage;
using System.Collections.Immutable;
using Microsoft.Extensions.Options;

namespace BillHolder.Tests.Books.Storage;

public sealed class BookStateCacheTests
{
    private static BookStateCache Cache(int records) => new(Options.Create(new SyncOptions { CachedRecords = records }), TimeProvider.System,
        BillHolder.Tests.Infrastructure.TestMetrics.Unobserved());

    private static StoredBook Book(long version, long checkpoint, params long[] logged) => new(
        BookState.Empty("B", null) with { Version = version }, "u", 1, new ByCollection<long>(2, 2, 2, 2), checkpoint,
        [.. logged.Select(v => new LoggedVersion(v, 100))]);

    [Fact]
    public void Offer_KeepsTheNewestCheckpoint_WhenAWriterStartedBeforeItWasRecorded()
    {
        var cache = Cache(1000);
        cache.Offer(1, Book(5, 1, 2, 3, 4, 5));
        // The checkpointer records version 4 while a batch, started from the entry above, is still running.
        cache.Update(1, current => current?.CheckpointedAt(4));
        cache.Offer(1, Book(6, 1, 2, 3, 4, 5, 6));

        var cached = cache.Get(1)!;
        Assert.Equal((6L, 4L), (cached.State.Version, cached.CheckpointVersion));
        Assert.Equal([5L, 6L], cached.Log.Select(e => e.Version));
        Assert.Equal(200, cached.LogBytesSinceCheckpoint);
        // An older state offered late never replaces a newer one, but its checkpoint news is kept.
        cache.Offer(1, Book(5, 5));
        Assert.Equal((6L, 5L), (cache.Get(1)!.State.Version, cache.Get(1)!.CheckpointVersion));
    }

    [Fact]
    public void Cache_EvictsTheLeastRecentlyUsed_ButNeverTheBookInHand()
    {
        var cache = Cache(2);
        cache.Offer(1, Book(1, 1));
        cache.Offer(2, Book(1, 1));
        cache.Offer(3, Book(1, 1));
        Assert.Null(cache.Get(1));
        Assert.NotNull(cache.Get(3));

        // One book bigger than the whole bound still stays while it is the one in use.
        var big = Book(1, 1) with { State = BookState.Empty("Big", null) with { Wallets = Enumerable.Range(1, 10).ToDictionary(i => (long)i,
            i => new Wallet(i, "w", null, 0, 0, null, 0, 0, 1, "u", "u")).ToImmutableSortedDictionary() } };
        cache.Offer(4, big);
        Assert.NotNull(cache.Get(4));
        Assert.Null(cache.Get(3));
        Assert.Equal(11, cache.CachedRecordCount);
    }
}
