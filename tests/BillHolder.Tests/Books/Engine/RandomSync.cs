using BillHolder.Server.Books.Engine;
using static BillHolder.Server.Books.Engine.RecordStatus;

namespace BillHolder.Tests.Books.Engine;

// Generates one random request that the parser would accept, from a client's possibly stale copy.
internal sealed class RandomSync(Random random, BookState copy)
{
    private readonly List<WalletInput> wallets = [];
    private readonly List<BillInput> bills = [];
    private readonly List<TransferInput> transfers = [];
    private readonly List<IncomeInput> incomes = [];
    private readonly HashSet<(int Kind, long Id)> used = [];
    private readonly List<long> knownWallets = [.. copy.Wallets.Keys];
    private long lastId;

    public SyncChanges Generate()
    {
        var operations = random.Next(1, 6);
        for (var i = 0; i < operations; i++)
        {
            Operation(random.Next(14));
        }

        return new SyncChanges(wallets, bills, transfers, incomes);
    }

    private void Operation(int kind)
    {
        switch (kind)
        {
            case 0 or 1:
                // Sometimes a small positive provisional id that may equal an existing server id (rule 3).
                var provisional = random.Next(3) == 0 ? random.Next(1, 8) : -random.Next(1, 1000);
                if (Use(0, provisional))
                {
                    wallets.Add(new(provisional, New, $"w{random.Next(3)}", null, random.Next(-100, 101), null, null, null));
                    knownWallets.Add(provisional);
                }

                break;
            case 2 when AnyWallet() is { } wallet && Use(1, -random.Next(1, 1000)):
                bills.Add(Bill(lastId, New, wallet));
                break;
            case 3 when AnyWallet() is { } wallet && Use(3, -random.Next(1, 1000)):
                incomes.Add(Income(lastId, New, wallet));
                break;
            case 4 when TwoWallets() is { } ends && Use(2, -random.Next(1, 1000)):
                transfers.Add(Transfer(lastId, New, ends.From, ends.To));
                break;
            case 5 when Pick(copy.Bills.Values) is { } bill && Use(1, bill.Id):
                bills.Add(random.Next(4) == 0 ? Bill(bill.Id, Modified, bill.WalletId, bill.Amount) : Bill(bill.Id, Modified, AnyWallet() ?? bill.WalletId));
                break;
            case 6 when Pick(copy.Incomes.Values) is { } income && Use(3, income.Id):
                incomes.Add(Income(income.Id, Modified, random.Next(2) == 0 ? income.WalletId : AnyWallet() ?? income.WalletId));
                break;
            case 7 when Pick(copy.Transfers.Values) is { } transfer && TwoWallets() is { } ends && Use(2, transfer.Id):
                transfers.Add(random.Next(4) == 0
                    ? Transfer(transfer.Id, Modified, transfer.FromWalletId, transfer.ToWalletId, transfer.Amount)
                    : Transfer(transfer.Id, Modified, ends.From, ends.To));
                break;
            case 8 when Pick(copy.Wallets.Values) is { } wallet && Use(0, wallet.Id):
                var rename = random.Next(2) == 0;
                wallets.Add(new(wallet.Id, Modified, rename ? $"w{random.Next(3)}" : wallet.Name, null,
                    rename ? wallet.OpeningBalance : random.Next(-100, 101), null, null, null));
                break;
            case 9 when Pick(copy.Bills.Values) is { } bill && Use(1, bill.Id):
                bills.Add(Bill(bill.Id, Deleted, 0));
                break;
            case 10 when Pick(copy.Transfers.Values) is { } transfer && Use(2, transfer.Id):
                transfers.Add(Transfer(transfer.Id, random.Next(3) == 0 ? Synchronized : Deleted, 0, 0, 999));
                break;
            case 11 when Pick(copy.Incomes.Values) is { } income && Use(3, income.Id):
                incomes.Add(Income(income.Id, random.Next(3) == 0 ? Synchronized : Deleted, 0));
                break;
            case 12 when Pick(copy.Wallets.Values) is { } wallet && Use(0, wallet.Id):
                wallets.Add(new(wallet.Id, Deleted, "", null, 0, null, null, null));
                // Usually the client deletes the wallet's records too, as far as its copy knows them.
                if (random.Next(3) != 0)
                {
                    DeleteRecordsOf(wallet.Id);
                }

                break;
            case 13 when Use(1, 100_000 + random.Next(10)):
                bills.Add(Bill(lastId, random.Next(2) == 0 ? Modified : Deleted, AnyWallet() ?? 1));
                break;
        }
    }

    private void DeleteRecordsOf(long walletId)
    {
        foreach (var bill in copy.Bills.Values.Where(b => b.WalletId == walletId && Use(1, b.Id)))
        {
            bills.Add(Bill(bill.Id, Deleted, 0));
        }

        foreach (var income in copy.Incomes.Values.Where(i => i.WalletId == walletId && Use(3, i.Id)))
        {
            incomes.Add(Income(income.Id, Deleted, 0));
        }

        foreach (var transfer in copy.Transfers.Values.Where(t => (t.FromWalletId == walletId || t.ToWalletId == walletId) && Use(2, t.Id)))
        {
            transfers.Add(Transfer(transfer.Id, Deleted, 0, 0));
        }
    }

    private BillInput Bill(long id, RecordStatus status, long wallet, long? amount = null) =>
        new(id, status, wallet, amount ?? random.Next(0, 60), 5, null, null, null, null);

    private IncomeInput Income(long id, RecordStatus status, long wallet) =>
        new(id, status, wallet, random.Next(0, 80), 5, null, null, null, null);

    private TransferInput Transfer(long id, RecordStatus status, long from, long to, long? amount = null) =>
        new(id, status, from, to, amount ?? random.Next(0, 40), 5, null, null, null);

    // Records the id as used in its collection; false if the request already has it (ids stay unique).
    private bool Use(int kind, long id)
    {
        lastId = id;
        return used.Add((kind, id));
    }

    private long? AnyWallet() => knownWallets.Count == 0 ? null : knownWallets[random.Next(knownWallets.Count)];

    private (long From, long To)? TwoWallets()
    {
        if (knownWallets.Distinct().Count() < 2)
        {
            return null;
        }

        var from = AnyWallet()!.Value;
        var others = knownWallets.Where(w => w != from).ToList();
        return (from, others[random.Next(others.Count)]);
    }

    private T? Pick<T>(IEnumerable<T> values) where T : class
    {
        var list = values as IReadOnlyCollection<T> ?? values.ToList();
        return list.Count == 0 ? null : list.ElementAt(random.Next(list.Count));
    }
}
