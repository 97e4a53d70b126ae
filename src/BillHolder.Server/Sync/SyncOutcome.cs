namespace BillHolder.Server.Sync;

// Either the sync applied (possibly changing nothing: Changes.Any is false) or it was rejected as a
// whole. The private constructor closes the hierarchy to these two cases.
internal abstract record SyncOutcome
{
    private SyncOutcome()
    {
    }

    internal sealed record Applied(BookState Book, IdMap IdMap, IReadOnlyList<SkippedRecord> Skipped,
        AppliedChanges Changes) : SyncOutcome;

    internal sealed record Rejected(string Code, string Detail, IReadOnlyDictionary<string, string[]>? Errors,
        IReadOnlyList<RecordRef>? References) : SyncOutcome;
}

// Provisional (client) id -> server id, per collection, for records created by the sync.
internal sealed record IdMap(IReadOnlyDictionary<long, long> Wallets, IReadOnlyDictionary<long, long> Bills,
    IReadOnlyDictionary<long, long> Transfers, IReadOnlyDictionary<long, long> Incomes)
{
    public static IdMap Empty { get; } = new(
        new Dictionary<long, long>(), new Dictionary<long, long>(),
        new Dictionary<long, long>(), new Dictionary<long, long>());
}

internal sealed record SkippedRecord(Collection Collection, long Id, RecordStatus Status, string Reason)
{
    public const string NotFound = "not_found";
}

internal sealed record RecordRef(Collection Collection, long Id);

// Changed holds every record stored at the new version, ordered by id. NewCount and ModifiedCount count
// what the client asked for, so a wallet whose balance merely moved is in Changed but not counted.
internal sealed record CollectionChanges<T>(IReadOnlyList<T> Changed, IReadOnlyList<long> Deleted,
    int NewCount, int ModifiedCount)
{
    public static CollectionChanges<T> None { get; } = new([], [], 0, 0);

    public int DeletedCount => Deleted.Count;

    public bool Any => Changed.Count > 0 || Deleted.Count > 0;
}

internal sealed record AppliedChanges(CollectionChanges<Wallet> Wallets, CollectionChanges<Bill> Bills,
    CollectionChanges<Transfer> Transfers, CollectionChanges<Income> Incomes, bool BookMetaChanged)
{
    public static AppliedChanges None { get; } = new(CollectionChanges<Wallet>.None, CollectionChanges<Bill>.None,
        CollectionChanges<Transfer>.None, CollectionChanges<Income>.None, BookMetaChanged: false);

    public bool Any => BookMetaChanged || Wallets.Any || Bills.Any || Transfers.Any || Incomes.Any;
}
