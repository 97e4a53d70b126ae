namespace BillHolder.Server.Sync;

// Wire shapes shared by REST and the hub (camelCase JSON).

internal sealed record BookMeta(string Name, string? Remark);

internal sealed record DeletedIds(
    IReadOnlyList<long> Wallets, IReadOnlyList<long> Bills, IReadOnlyList<long> Transfers, IReadOnlyList<long> Incomes)
{
    public static readonly DeletedIds None = new([], [], [], []);

    public static DeletedIds Merge(IEnumerable<DeletedIds> versions)
    {
        List<long> wallets = [], bills = [], transfers = [], incomes = [];
        foreach (var d in versions)
        {
            wallets.AddRange(d.Wallets);
            bills.AddRange(d.Bills);
            transfers.AddRange(d.Transfers);
            incomes.AddRange(d.Incomes);
        }
        return new DeletedIds(wallets, bills, transfers, incomes);
    }
}

internal sealed record ChangeSet(
    long BookId, long FromVersion, long ToVersion, bool Full, BookMeta Book,
    IReadOnlyList<Wallet> Wallets, IReadOnlyList<Bill> Bills, IReadOnlyList<Transfer> Transfers, IReadOnlyList<Income> Incomes,
    DeletedIds Deleted)
{
    public static ChangeSet Snapshot(long bookId, BookState book) => new(
        bookId, 0, book.Version, true, new BookMeta(book.Name, book.Remark),
        [.. book.Wallets.Values], [.. book.Bills.Values], [.. book.Transfers.Values], [.. book.Incomes.Values],
        DeletedIds.None);

    // Records carry the version of their last change, so "since N" is a filter; deletions come from the log.
    public static ChangeSet Since(long bookId, BookState book, long since, DeletedIds deletedSince) => new(
        bookId, since, book.Version, false, new BookMeta(book.Name, book.Remark),
        [.. book.Wallets.Values.Where(r => r.Version > since)],
        [.. book.Bills.Values.Where(r => r.Version > since)],
        [.. book.Transfers.Values.Where(r => r.Version > since)],
        [.. book.Incomes.Values.Where(r => r.Version > since)],
        deletedSince);
}

internal sealed record SkippedDto(string Collection, long Id, int Status, string Reason);

internal sealed record IdMapDto(
    IReadOnlyDictionary<long, long> Wallets, IReadOnlyDictionary<long, long> Bills,
    IReadOnlyDictionary<long, long> Transfers, IReadOnlyDictionary<long, long> Incomes);

internal sealed record SyncResult(
    long BookId, string SyncId, long Version, bool Applied, IdMapDto IdMap, IReadOnlyList<SkippedDto> Skipped, ChangeSet? Changes);

internal sealed record CollectionCounts(int New, int Modified, int Deleted);

internal sealed record ChangeSummary(CollectionCounts Wallets, CollectionCounts Bills, CollectionCounts Transfers, CollectionCounts Incomes, bool BookChanged);

internal sealed record HistoryEntry(long Version, string? SyncId, string Username, long Time, ChangeSummary Summary);

internal sealed record WalletConsistency(long WalletId, string Name, long StoredBalance, long RecomputedBalance, bool Ok);

internal sealed record ConsistencyReport(long BookId, long Version, bool Ok, IReadOnlyList<WalletConsistency> Wallets);
