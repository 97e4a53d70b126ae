using System.Collections.Immutable;

namespace BillHolder.Server.Books.Engine;

// Who and when for every record a sync writes; Version is the version the book moves to.
internal readonly record struct Stamp(string User, long NowMs, long Version);

// Working state of one collection while a sync is applied. Records is a builder over the stored
// immutable dictionary, so the cached book is untouched until the engine decides to keep the result.
internal sealed class CollectionPass<T>(Collection collection, ImmutableSortedDictionary<long, T>.Builder records)
    where T : class, IBookRecord
{
    public Collection Collection { get; } = collection;

    public ImmutableSortedDictionary<long, T>.Builder Records { get; } = records;

    public SortedDictionary<long, T> Changed { get; } = new();

    public List<long> Deleted { get; } = [];

    // Request indexes of records that took effect as new or modified (including no-op modifies),
    // whose wallet references must hold after the sync.
    public List<int> AppliedIndexes { get; } = [];

    public int NewCount { get; set; }

    public int ModifiedCount { get; set; }

    public CollectionChanges<T> Summary() =>
        new(Changed.Values.ToList(), Deleted.Order().ToList(), NewCount, ModifiedCount);
}
