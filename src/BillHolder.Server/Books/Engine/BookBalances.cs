namespace BillHolder.Server.Books.Engine;

internal sealed record WalletBalanceCheck(long WalletId, long Stored, long? Recomputed)
{
    public bool Consistent => Recomputed == Stored;
}

// Balances are derived data: opening + incomes - bills - transfers out + transfers in, i.e. the sum of every
// record's BalanceEffects. Sums are 128-bit so a result does not depend on record order (a 64-bit running sum
// could overflow midway for a balance that fits); callers decide what an out-of-range total means.
internal static class BookBalances
{
    // Every wallet's balance from all records: what the consistency check compares the stored balances with.
    public static Dictionary<long, Int128> Totals(BookState book)
    {
        var totals = book.Wallets.Keys.ToDictionary(id => id, _ => Int128.Zero);
        // References to missing wallets cannot survive a sync; ignoring them keeps this total.
        void Add(IEnumerable<IBookRecord> records)
        {
            foreach (var record in records)
            {
                foreach (var (walletId, amount) in record.BalanceEffects())
                {
                    if (totals.TryGetValue(walletId, out var sum)) totals[walletId] = sum + amount;
                }
            }
        }

        Add(book.Wallets.Values);
        Add(book.Bills.Values);
        Add(book.Transfers.Values);
        Add(book.Incomes.Values);
        return totals;
    }

    // What replacing `before` by `after` (either may be absent) changes in each wallet's balance.
    public static void AddChange(Dictionary<long, Int128> deltas, IBookRecord? before, IBookRecord? after)
    {
        if (before is not null)
        {
            foreach (var (walletId, amount) in before.BalanceEffects()) deltas[walletId] = deltas.GetValueOrDefault(walletId) - amount;
        }
        if (after is not null)
        {
            foreach (var (walletId, amount) in after.BalanceEffects()) deltas[walletId] = deltas.GetValueOrDefault(walletId) + amount;
        }
    }

    public static bool FitsInt64(Int128 total) => total >= long.MinValue && total <= long.MaxValue;

    // Stored versus recomputed balance for every wallet. Recomputed is null when the true balance does not fit in 64 bits.
    public static IReadOnlyList<WalletBalanceCheck> Recompute(BookState book)
    {
        var totals = Totals(book);
        return book.Wallets.Values
            .Select(w => new WalletBalanceCheck(w.Id, w.Balance, FitsInt64(totals[w.Id]) ? (long)totals[w.Id] : null))
            .ToList();
    }
}
