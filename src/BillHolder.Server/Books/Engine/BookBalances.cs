namespace BillHolder.Server.Books.Engine;

internal sealed record WalletBalanceCheck(long WalletId, long Stored, long? Recomputed)
{
    public bool Consistent => Recomputed == Stored;
}

// Balances are derived data: opening + incomes - bills - transfers out + transfers in.
internal static class BookBalances
{
    // Sums in 128 bits so the result does not depend on record order (a 64-bit running sum could
    // overflow midway for a balance that fits); callers decide what an out-of-range total means.
    public static Dictionary<long, Int128> Totals(IEnumerable<Wallet> wallets, IEnumerable<Bill> bills,
        IEnumerable<Transfer> transfers, IEnumerable<Income> incomes)
    {
        var totals = new Dictionary<long, Int128>();
        foreach (var wallet in wallets)
        {
            totals[wallet.Id] = wallet.OpeningBalance;
        }

        // References to missing wallets cannot survive a sync; ignoring them keeps this total.
        void Add(long walletId, Int128 delta)
        {
            if (totals.TryGetValue(walletId, out var sum))
            {
                totals[walletId] = sum + delta;
            }
        }

        foreach (var income in incomes)
        {
            Add(income.WalletId, income.Amount);
        }

        foreach (var bill in bills)
        {
            Add(bill.WalletId, -(Int128)bill.Amount);
        }

        foreach (var transfer in transfers)
        {
            Add(transfer.FromWalletId, -(Int128)transfer.Amount);
            Add(transfer.ToWalletId, transfer.Amount);
        }

        return totals;
    }

    public static bool FitsInt64(Int128 total) => total >= long.MinValue && total <= long.MaxValue;

    // Stored versus recomputed balance for every wallet, for a consistency check endpoint.
    // Recomputed is null when the true balance does not fit in 64 bits.
    public static IReadOnlyList<WalletBalanceCheck> Recompute(BookState book)
    {
        var totals = Totals(book.Wallets.Values, book.Bills.Values, book.Transfers.Values, book.Incomes.Values);
        return book.Wallets.Values
            .Select(w => new WalletBalanceCheck(w.Id, w.Balance, FitsInt64(totals[w.Id]) ? (long)totals[w.Id] : null))
            .ToList();
    }
}
