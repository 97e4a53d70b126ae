using System.Collections.Immutable;

namespace BillHolder.Server.Books.Engine;

// A book's content at one version. Immutable collections: a cached BookState survives a failed sync
// untouched, and each update is O(log n). NextIds are the per-collection id counters (they only move forward).
internal sealed record BookState(long Version, string Name, string? Remark,
    ImmutableSortedDictionary<long, Wallet> Wallets, ImmutableSortedDictionary<long, Bill> Bills,
    ImmutableSortedDictionary<long, Transfer> Transfers, ImmutableSortedDictionary<long, Income> Incomes,
    ByCollection<long> NextIds)
{
    public static BookState Empty(string name, string? remark) => new(0, name, remark,
        ImmutableSortedDictionary<long, Wallet>.Empty, ImmutableSortedDictionary<long, Bill>.Empty,
        ImmutableSortedDictionary<long, Transfer>.Empty, ImmutableSortedDictionary<long, Income>.Empty,
        new ByCollection<long>(1, 1, 1, 1));

    public long RecordCount => (long)Wallets.Count + Bills.Count + Transfers.Count + Incomes.Count;
}
