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
