using System.Text.Json.Serialization;

namespace BillHolder.Server.Books.Engine;

// Either the sync applied (possibly changing nothing: Changes.Any is false) or it was rejected as a
// whole. The private constructor closes the hierarchy to these two cases.
internal abstract record SyncOutcome
{
    private SyncOutcome()
    {
    }

    // IdMap: provisional (client) id -> server id, per collection, for records the sync created.
    internal sealed record Applied(BookState Book, ByCollection<IReadOnlyDictionary<long, long>> IdMap,
        IReadOnlyList<SkippedRecord> Skipped, AppliedChanges Changes, IReadOnlyList<MergeConflict> Conflicts,
        IReadOnlyList<WholeRecord> WholeRecords) : SyncOutcome;

    internal sealed record Rejected(string Code, string Detail, IReadOnlyDictionary<string, string[]>? Errors,
        IReadOnlyList<RecordRef>? References) : SyncOutcome;
}

internal sealed record SkippedRecord(Collection Collection, long Id, RecordStatus Status, string Reason)
{
    public const string NotFound = "not_found";
}

internal sealed record RecordRef(Collection Collection, long Id);

internal sealed record CollectionCounts(int New, int Modified, int Deleted);

// Changed holds every record stored at the new version, ordered by id. NewCount and ModifiedCount count
// what the client asked for, so a wallet whose balance merely moved is in Changed but not counted.
internal sealed record CollectionChanges<T>(IReadOnlyList<T> Changed, IReadOnlyList<long> Deleted, int NewCount, int ModifiedCount)
{
    public bool Any => Changed.Count > 0 || Deleted.Count > 0;

    public CollectionCounts Counts => new(NewCount, ModifiedCount, Deleted.Count);
}

internal sealed record AppliedChanges(CollectionChanges<Wallet> Wallets, CollectionChanges<Bill> Bills,
    CollectionChanges<Transfer> Transfers, CollectionChanges<Income> Incomes, bool BookMetaChanged)
{
    public bool Any => BookMetaChanged || Wallets.Any || Bills.Any || Transfers.Any || Incomes.Any;

    public ByCollection<IReadOnlyList<long>> Deleted => new(Wallets.Deleted, Bills.Deleted, Transfers.Deleted, Incomes.Deleted);

    public ChangeSummary Summary => new(Wallets.Counts, Bills.Counts, Transfers.Counts, Incomes.Counts, BookMetaChanged);
}

// What one version changed, by count: the history's summary.
internal sealed record ChangeSummary(CollectionCounts Wallets, CollectionCounts Bills, CollectionCounts Transfers,
    CollectionCounts Incomes, [property: JsonPropertyOrder(1)] bool BookChanged)
    : ByCollection<CollectionCounts>(Wallets, Bills, Transfers, Incomes);
