using BillHolder.Server.Books.Engine;

namespace BillHolder.Tests.Books.Engine;

// A deliberately naive second implementation of the sync rules over plain mutable dictionaries, used by
// the randomized model test. It tracks only the fields the random generator varies.
internal sealed class ReferenceModel
{
    public sealed record WalletRow(string Name, long Opening, long Balance, long Version);

    public sealed record EntryRow(long Wallet, long Amount, long Version);

    public sealed record TransferRow(long From, long To, long Amount, long Version);

    public long Version { get; private set; }

    public long[] NextIds { get; private set; } = [1, 1, 1, 1];

    public Dictionary<long, WalletRow> Wallets { get; private set; } = [];

    public Dictionary<long, EntryRow> Bills { get; private set; } = [];

    public Dictionary<long, TransferRow> Transfers { get; private set; } = [];

    public Dictionary<long, EntryRow> Incomes { get; private set; } = [];

    public Dictionary<long, long> LastWalletIds { get; private set; } = [];

    // A book created over REST starts at version 1 with nothing in it.
    public void StartAtVersion(long version) => Version = version;

    // Returns null when applied, otherwise the rejection code. State changes only when applied.
    public string? Apply(SyncChanges changes)
    {
        var v = Version + 1;
        var next = NextIds.ToArray();
        var wallets = new Dictionary<long, WalletRow>(Wallets);
        var bills = new Dictionary<long, EntryRow>(Bills);
        var transfers = new Dictionary<long, TransferRow>(Transfers);
        var incomes = new Dictionary<long, EntryRow>(Incomes);
        var changed = false;
        var referencesToCheck = new List<long>();
        var deletedWallets = new HashSet<long>();

        var newWallets = new Dictionary<long, long>();
        foreach (var w in changes.Wallets.Where(w => w.Status == RecordStatus.New))
        {
            newWallets[w.Id] = next[0]++;
        }

        long Resolve(long raw) => newWallets.TryGetValue(raw, out var id) ? id : raw;

        foreach (var w in changes.Wallets)
        {
            if (w.Status == RecordStatus.New)
            {
                wallets[newWallets[w.Id]] = new WalletRow(w.Name, w.OpeningBalance, 0, v);
                changed = true;
            }
            else if (w.Status == RecordStatus.Modified && Wallets.TryGetValue(w.Id, out var old)
                && (old.Name != w.Name || old.Opening != w.OpeningBalance))
            {
                wallets[w.Id] = old with { Name = w.Name, Opening = w.OpeningBalance, Version = v };
                changed = true;
            }
            else if (w.Status == RecordStatus.Deleted && Wallets.ContainsKey(w.Id))
            {
                wallets.Remove(w.Id);
                deletedWallets.Add(w.Id);
                changed = true;
            }
        }

        void Entries(IEnumerable<(long Id, RecordStatus Status, long Wallet, long Amount)> inputs,
            Dictionary<long, EntryRow> before, Dictionary<long, EntryRow> after, int counter)
        {
            foreach (var e in inputs)
            {
                if (e.Status == RecordStatus.New)
                {
                    after[next[counter]++] = new EntryRow(Resolve(e.Wallet), e.Amount, v);
                    referencesToCheck.Add(e.Wallet);
                    changed = true;
                }
                else if (e.Status == RecordStatus.Modified && before.TryGetValue(e.Id, out var old))
                {
                    referencesToCheck.Add(e.Wallet);
                    if (old.Wallet != Resolve(e.Wallet) || old.Amount != e.Amount)
                    {
                        after[e.Id] = new EntryRow(Resolve(e.Wallet), e.Amount, v);
                        changed = true;
                    }
                }
                else if (e.Status == RecordStatus.Deleted && after.Remove(e.Id))
                {
                    changed = true;
                }
            }
        }

        Entries(changes.Bills.Select(b => (b.Id, b.Status, b.WalletId, b.Amount)), Bills, bills, 1);
        Entries(changes.Incomes.Select(i => (i.Id, i.Status, i.WalletId, i.Amount)), Incomes, incomes, 3);
        foreach (var t in changes.Transfers)
        {
            if (t.Status == RecordStatus.New)
            {
                transfers[next[2]++] = new TransferRow(Resolve(t.FromWalletId), Resolve(t.ToWalletId), t.Amount, v);
                referencesToCheck.AddRange([t.FromWalletId, t.ToWalletId]);
                changed = true;
            }
            else if (t.Status == RecordStatus.Modified && Transfers.TryGetValue(t.Id, out var old))
            {
                referencesToCheck.AddRange([t.FromWalletId, t.ToWalletId]);
                var row = new TransferRow(Resolve(t.FromWalletId), Resolve(t.ToWalletId), t.Amount, old.Version);
                if (row != old)
                {
                    transfers[t.Id] = row with { Version = v };
                    changed = true;
                }
            }
            else if (t.Status == RecordStatus.Deleted && transfers.Remove(t.Id))
            {
                changed = true;
            }
        }

        if (referencesToCheck.Any(raw => !newWallets.ContainsKey(raw) && !(Wallets.ContainsKey(raw) && wallets.ContainsKey(raw))))
        {
            return "unknown_wallet";
        }

        if (bills.Values.Concat(incomes.Values).Any(e => deletedWallets.Contains(e.Wallet))
            || transfers.Values.Any(t => deletedWallets.Contains(t.From) || deletedWallets.Contains(t.To)))
        {
            return "wallet_in_use";
        }

        var effects = incomes.Values.Select(i => (i.Wallet, i.Amount))
            .Concat(bills.Values.Select(b => (b.Wallet, -b.Amount)))
            .Concat(transfers.Values.Select(t => (t.From, -t.Amount)))
            .Concat(transfers.Values.Select(t => (t.To, t.Amount)))
            .GroupBy(e => e.Item1)
            .ToDictionary(g => g.Key, g => g.Sum(e => e.Item2));
        foreach (var (id, wallet) in wallets.ToList())
        {
            var balance = wallet.Opening + effects.GetValueOrDefault(id);
            if (balance != wallet.Balance)
            {
                wallets[id] = wallet with { Balance = balance, Version = v };
                changed = true;
            }
        }

        LastWalletIds = newWallets;
        if (changed)
        {
            (Version, NextIds, Wallets, Bills, Transfers, Incomes) = (v, next, wallets, bills, transfers, incomes);
        }

        return null;
    }
}
