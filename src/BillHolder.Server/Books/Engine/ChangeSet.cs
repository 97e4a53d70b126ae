namespace BillHolder.Server.Books.Engine;

internal sealed record BookMeta(string Name, string? Remark);

// What changed in a book from one version to another, as clients receive it (answers, pushes, pulls).
// Full means "replace everything you hold": the records are the whole book and nothing is listed as deleted.
internal sealed record ChangeSet(
    long BookId, long FromVersion, long ToVersion, bool Full, BookMeta Book,
    IReadOnlyList<Wallet> Wallets, IReadOnlyList<Bill> Bills, IReadOnlyList<Transfer> Transfers, IReadOnlyList<Income> Incomes,
    ByCollection<IReadOnlyList<long>> Deleted)
{
    // The conflicts of every version in (FromVersion, ToVersion] (rule 12), so an overwritten writer learns of
    // them, also later. Never part of a log row's changes: the row keeps them in its own column.
    public IReadOnlyList<ChangeConflict> Conflicts { get; init; } = [];

    public static readonly ByCollection<IReadOnlyList<long>> NoneDeleted = new([], [], [], []);

    public static ChangeSet Snapshot(long bookId, BookState book) => new(
        bookId, 0, book.Version, true, new BookMeta(book.Name, book.Remark),
        [.. book.Wallets.Values], [.. book.Bills.Values], [.. book.Transfers.Values], [.. book.Incomes.Values],
        NoneDeleted);

    // Records carry the version of their last change, so "since N" is a filter; deletions come from the log.
    public static ChangeSet Since(long bookId, BookState book, long since, ByCollection<IReadOnlyList<long>> deletedSince) => new(
        bookId, since, book.Version, false, new BookMeta(book.Name, book.Remark),
        [.. book.Wallets.Values.Where(r => r.Version > since)],
        [.. book.Bills.Values.Where(r => r.Version > since)],
        [.. book.Transfers.Values.Where(r => r.Version > since)],
        [.. book.Incomes.Values.Where(r => r.Version > since)],
        deletedSince);

    // The same answer as Since, put together from the change sets of every version after `since` (consecutive,
    // oldest first, each from ChangeSet.Of): O(what changed), not a scan of the whole book, and no log read.
    public static ChangeSet Merged(long bookId, BookState book, long since, IReadOnlyList<ChangeSet> versions)
    {
        var wallets = new SortedSet<long>();
        var bills = new SortedSet<long>();
        var transfers = new SortedSet<long>();
        var incomes = new SortedSet<long>();
        foreach (var version in versions)
        {
            foreach (var r in version.Wallets) wallets.Add(r.Id);
            foreach (var r in version.Bills) bills.Add(r.Id);
            foreach (var r in version.Transfers) transfers.Add(r.Id);
            foreach (var r in version.Incomes) incomes.Add(r.Id);
        }
        // A record changed and deleted later in the window is gone from the book: only its deletion is listed.
        return new ChangeSet(bookId, since, book.Version, false, new BookMeta(book.Name, book.Remark),
            Current(book.Wallets, wallets), Current(book.Bills, bills), Current(book.Transfers, transfers), Current(book.Incomes, incomes),
            MergeDeleted(versions.Select(version => version.Deleted)))
        {
            Conflicts = [.. versions.SelectMany(version => version.Conflicts)],
        };
    }

    private static List<T> Current<T>(IReadOnlyDictionary<long, T> records, SortedSet<long> ids)
    {
        var current = new List<T>(ids.Count);
        foreach (var id in ids)
        {
            if (records.TryGetValue(id, out var record)) current.Add(record);
        }
        return current;
    }

    // Exactly what one applied sync changed, from the version before it.
    public static ChangeSet Of(long bookId, long fromVersion, SyncOutcome.Applied applied, string username, IReadOnlyList<MergeConflict> conflicts)
    {
        var c = applied.Changes;
        return new ChangeSet(bookId, fromVersion, applied.Book.Version, false, new BookMeta(applied.Book.Name, applied.Book.Remark),
            c.Wallets.Changed, c.Bills.Changed, c.Transfers.Changed, c.Incomes.Changed, c.Deleted)
        {
            Conflicts = [.. conflicts.Select(conflict => ChangeConflict.Of(applied.Book.Version, username, conflict))],
        };
    }

    // The deletions of consecutive versions, in version order, as one list per collection.
    public static ByCollection<IReadOnlyList<long>> MergeDeleted(IEnumerable<ByCollection<IReadOnlyList<long>>> versions)
    {
        var merged = ByCollection<List<long>>.Of(_ => []);
        foreach (var deleted in versions)
        {
            foreach (var collection in Collections.All) merged[collection].AddRange(deleted[collection]);
        }
        return merged.Select((_, ids) => (IReadOnlyList<long>)ids);
    }
}

// A conflict as a ChangeSet carries it: with the version and username of the sync that overwrote the field.
internal sealed record ChangeConflict(long Version, string Username, string Collection, long Id, string? Field,
    object? Base, object? Theirs, object? Yours)
{
    public static ChangeConflict Of(long version, string username, MergeConflict c) =>
        new(version, username, c.Collection, c.Id, c.Field, c.Base, c.Theirs, c.Yours);
}
