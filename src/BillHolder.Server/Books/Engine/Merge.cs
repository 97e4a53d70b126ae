namespace BillHolder.Server.Books.Engine;

// The records as a client last received them (README rule 12), found by storage. A record whose stored version is
// at or below its base version is its own base and never looked up. A record needed but absent here, or null,
// has no base available (the log no longer covers it); Book is the book's name and remark at the sync's
// baseVersion, null when unavailable.
internal sealed record SyncBases(IReadOnlyDictionary<(Collection Collection, long Id), IBookRecord?> Records, BookMeta? Book)
{
    public static readonly SyncBases None = new(new Dictionary<(Collection, long), IBookRecord?>(), null);

    // What storage must find for this sync on this book: the records edited from a version older than their
    // last change, and whether the book's name/remark need their state at baseVersion.
    public static BaseNeeds Needed(BookState book, SyncRequest request)
    {
        var records = new List<(Collection Collection, long Id, long Base)>();
        void Need<T>(IReadOnlyList<IRecordInput> inputs, IReadOnlyDictionary<long, T> stored, Collection collection) where T : IBookRecord
        {
            foreach (var input in inputs)
            {
                if (input.Status is not (RecordStatus.Modified or RecordStatus.Deleted)) continue;
                if ((input.Version ?? request.BaseVersion) is not { } at) continue;
                if (stored.TryGetValue(input.Id, out var record) && record.Version > at) records.Add((collection, input.Id, at));
            }
        }

        Need(request.Changes.Wallets, book.Wallets, Collection.Wallets);
        Need(request.Changes.Bills, book.Bills, Collection.Bills);
        Need(request.Changes.Transfers, book.Transfers, Collection.Transfers);
        Need(request.Changes.Incomes, book.Incomes, Collection.Incomes);
        var bookBase = request.Book is not null && request.BaseVersion is { } b && b < book.Version ? b : (long?)null;
        return new BaseNeeds(records, bookBase);
    }
}

internal sealed record BaseNeeds(IReadOnlyList<(Collection Collection, long Id, long Base)> Records, long? BookBase)
{
    public bool Any => Records.Count > 0 || BookBase is not null;

    public long Oldest => Records.Select(r => r.Base).Append(BookBase ?? long.MaxValue).Min();
}

// A field this sync changed that another sync had also changed since this sync's base, to another value: this
// sync's value applied (yours), the stored one (theirs) was overwritten. Collection is the plural name or "book";
// Field is null for a record deleted here that was modified elsewhere. Values are raw: long, string, a record or,
// once read back from storage, JSON.
internal sealed record MergeConflict(string Collection, long Id, string? Field, object? Base, object? Theirs, object? Yours)
{
    public const string BookCollection = "book";
}

// A modified record applied whole because it had no base (NoBase) or its base is no longer known.
internal sealed record WholeRecord(string Collection, long Id, string Reason)
{
    public const string NoBase = "no_base";
    public const string BaseUnavailable = "base_unavailable";
}

// The three-way merge of one sync, collecting its conflicts and whole-record replacements.
internal sealed class Merger(SyncBases bases, long? baseVersion)
{
    public List<MergeConflict> Conflicts { get; } = [];

    public List<WholeRecord> WholeRecords { get; } = [];

    // Yours is the stored record with every client field as sent. Fields sent equal to the base keep the stored
    // value; the others are applied, and a conflict where the stored value had moved away from the base too.
    public T Modified<T, TInput>(T stored, T yours, TInput input)
        where T : class, ISyncedRecord<T, TInput>
        where TInput : IRecordInput
    {
        var name = T.Collection.JsonName();
        if ((input.Version ?? baseVersion) is not { } at)
        {
            WholeRecords.Add(new WholeRecord(name, stored.Id, WholeRecord.NoBase));
            return yours;
        }

        if (Base<T, TInput>(stored, at) is not { } original)
        {
            WholeRecords.Add(new WholeRecord(name, stored.Id, WholeRecord.BaseUnavailable));
            return yours;
        }

        var merged = stored;
        var conflicts = new List<MergeConflict>();
        foreach (var field in T.Fields)
        {
            var mine = field.Get(yours);
            var was = field.Get(original);
            if (Equals(mine, was)) continue;
            merged = field.Take(merged, yours);
            var theirs = field.Get(stored);
            if (!Equals(theirs, was) && !Equals(theirs, mine)) conflicts.Add(new MergeConflict(name, stored.Id, field.Name, was, theirs, mine));
        }

        if (!merged.IsConsistent())
        {
            // The merge made a record neither side sent: the client's whole record applies, every overwritten field listed.
            conflicts.Clear();
            foreach (var field in T.Fields)
            {
                var mine = field.Get(yours);
                var theirs = field.Get(stored);
                if (!Equals(mine, theirs)) conflicts.Add(new MergeConflict(name, stored.Id, field.Name, field.Get(original), theirs, mine));
            }
            merged = yours;
        }

        Conflicts.AddRange(conflicts);
        return merged;
    }

    // A record deleted here that someone else modified since the base: deleted anyway, and said so.
    public void Deleted<T, TInput>(T stored, TInput input)
        where T : class, ISyncedRecord<T, TInput>
        where TInput : IRecordInput
    {
        if ((input.Version ?? baseVersion) is not { } at || Base<T, TInput>(stored, at) is not { } original) return;
        if (T.Fields.Any(field => !Equals(field.Get(original), field.Get(stored))))
        {
            Conflicts.Add(new MergeConflict(T.Collection.JsonName(), stored.Id, null, original, stored, null));
        }
    }

    // The book's name and remark merge like fields; without a base they replace as before (rule 9).
    public (string Name, string? Remark) Book(BookState book, BookMetaInput? input)
    {
        var name = input?.Name ?? book.Name;
        var remark = input is { RemarkSet: true } meta ? meta.Remark : book.Remark;
        if (input is null) return (name, remark);
        if (baseVersion is not { } at)
        {
            WholeRecords.Add(new WholeRecord(MergeConflict.BookCollection, 0, WholeRecord.NoBase));
            return (name, remark);
        }
        var original = at >= book.Version ? new BookMeta(book.Name, book.Remark) : bases.Book;
        if (original is null)
        {
            WholeRecords.Add(new WholeRecord(MergeConflict.BookCollection, 0, WholeRecord.BaseUnavailable));
            return (name, remark);
        }

        if (input.Name is not null) name = Field("name", original.Name, book.Name, input.Name)!;
        if (input.RemarkSet) remark = Field("remark", original.Remark, book.Remark, input.Remark);
        return (name, remark);

        string? Field(string field, string? was, string? theirs, string? mine)
        {
            if (string.Equals(mine, was, StringComparison.Ordinal)) return theirs;
            if (!string.Equals(theirs, was, StringComparison.Ordinal) && !string.Equals(theirs, mine, StringComparison.Ordinal))
            {
                Conflicts.Add(new MergeConflict(MergeConflict.BookCollection, 0, field, was, theirs, mine));
            }
            return mine;
        }
    }

    private T? Base<T, TInput>(T stored, long at)
        where T : class, ISyncedRecord<T, TInput>
        where TInput : IRecordInput =>
        stored.Version <= at ? stored
        : bases.Records.TryGetValue((T.Collection, stored.Id), out var found) ? found as T
        : null;
}

// What one version changed or deleted, as it was just before that version, and the book's name and remark before
// it: the log keeps these so that the base of a record at version B is the pre-image in the first row after B
// that touched it.
// Created lists the records the version made: they had no state before it, so a base older than their creation
// is no base at all.
internal sealed record PreImages(BookMeta Book, IReadOnlyList<Wallet> Wallets, IReadOnlyList<Bill> Bills,
    IReadOnlyList<Transfer> Transfers, IReadOnlyList<Income> Incomes, ByCollection<IReadOnlyList<long>>? Created = null)
{
    public static PreImages Of(BookState before, AppliedChanges changes) => new(new BookMeta(before.Name, before.Remark),
        Pick(before.Wallets, changes.Wallets), Pick(before.Bills, changes.Bills),
        Pick(before.Transfers, changes.Transfers), Pick(before.Incomes, changes.Incomes),
        new ByCollection<IReadOnlyList<long>>(New(before.Wallets, changes.Wallets), New(before.Bills, changes.Bills),
            New(before.Transfers, changes.Transfers), New(before.Incomes, changes.Incomes)));

    private static IReadOnlyList<long> New<T>(IReadOnlyDictionary<long, T> stored, CollectionChanges<T> changes) where T : IBookRecord =>
        [.. changes.Changed.Select(r => r.Id).Where(id => !stored.ContainsKey(id))];

    public IBookRecord? Find(Collection collection, long id) => collection switch
    {
        Collection.Wallets => Wallets.FirstOrDefault(r => r.Id == id),
        Collection.Bills => Bills.FirstOrDefault(r => r.Id == id),
        Collection.Transfers => Transfers.FirstOrDefault(r => r.Id == id),
        _ => Incomes.FirstOrDefault(r => r.Id == id),
    };

    // New records have no pre-image: they did not exist before.
    private static IReadOnlyList<T> Pick<T>(IReadOnlyDictionary<long, T> stored, CollectionChanges<T> changes) where T : IBookRecord =>
        [.. changes.Changed.Select(r => r.Id).Concat(changes.Deleted).Where(stored.ContainsKey).Select(id => stored[id])];
}
