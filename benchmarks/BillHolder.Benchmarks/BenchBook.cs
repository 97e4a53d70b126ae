using BillHolder.Server.Books.Engine;
using BillHolder.Server.Books.Storage;

namespace BillHolder.Benchmarks;

// Synthetic books shaped like real ones: a few wallets, mostly bills, some transfers and incomes.
// Built through SyncEngine.Apply from an empty book, exactly as POST /api/books builds them.
internal static class BenchBook
{
    public const int WalletCount = 10;
    public const long Now = 1_767_225_600_000; // 2026-01-01, fixed so runs are comparable

    public static BookState Create(int records)
    {
        var transfers = records / 10;
        var incomes = records / 10;
        var bills = records - transfers - incomes - WalletCount;
        var wallets = Enumerable.Range(1, WalletCount)
            .Select(i => new WalletInput(-i, RecordStatus.New, $"Wallet {i}", "#00aa88", 100_000, null, null, null)).ToList();
        var billInputs = Enumerable.Range(1, bills)
            .Select(i => new BillInput(-i, RecordStatus.New, -(1 + i % WalletCount), 100 + i % 5000, Now - i * 60_000L,
                Categories[i % Categories.Length], i % 3 == 0 ? "lunch with the team" : null, null, null)).ToList();
        var transferInputs = Enumerable.Range(1, transfers)
            .Select(i => new TransferInput(-i, RecordStatus.New, -(1 + i % WalletCount), -(1 + (i + 1) % WalletCount), 500 + i % 300,
                Now - i * 90_000L, null, null, null)).ToList();
        var incomeInputs = Enumerable.Range(1, incomes)
            .Select(i => new IncomeInput(-i, RecordStatus.New, -(1 + i % WalletCount), 2_000 + i % 700, Now - i * 120_000L,
                "salary", null, null, null)).ToList();
        var request = new SyncRequest("create", null, new BookMetaInput("Bench", null, RemarkSet: true),
            new SyncChanges(wallets, billInputs, transferInputs, incomeInputs));
        var outcome = SyncEngine.Apply(BookState.Empty("", null), request, "owner", Now);
        return ((SyncOutcome.Applied)outcome).Book;
    }

    // The 10-record sync of the benchmarks and the load test: 4 new bills, 3 modified, 2 deleted, 1 new transfer.
    public static SyncRequest TenRecordSync(BookState book, string syncId)
    {
        var existing = book.Bills.Keys.Take(5).ToArray();
        var wallet = book.Wallets.Keys.First();
        var other = book.Wallets.Keys.Skip(1).First();
        var bills = new List<BillInput>();
        for (var i = 1; i <= 4; i++)
        {
            bills.Add(new BillInput(-i, RecordStatus.New, wallet, 1_000 + i, Now, "coffee", null, null, null));
        }
        foreach (var id in existing.Take(3))
        {
            var bill = book.Bills[id];
            bills.Add(new BillInput(id, RecordStatus.Modified, bill.WalletId, bill.Amount + 1, bill.Date, bill.Category, "edited", null, null));
        }
        foreach (var id in existing.Skip(3))
        {
            bills.Add(new BillInput(id, RecordStatus.Deleted, 0, 0, 0, null, null, null, null));
        }
        var transfer = new TransferInput(-1, RecordStatus.New, wallet, other, 2_500, Now, "top up", null, null);
        return new SyncRequest(syncId, book.Version, null, new SyncChanges([], bills, [transfer], []));
    }

    public static CheckpointRow ToRow(long id, BookState state) => new()
    {
        Id = id,
        Name = state.Name,
        Remark = state.Remark,
        Wallets = BookJson.Write(state.Wallets.Values),
        Bills = BookJson.Write(state.Bills.Values),
        Transfers = BookJson.Write(state.Transfers.Values),
        Incomes = BookJson.Write(state.Incomes.Values),
        CheckpointVersion = state.Version,
        NextWalletId = state.NextIds.Wallets,
        NextBillId = state.NextIds.Bills,
        NextTransferId = state.NextIds.Transfers,
        NextIncomeId = state.NextIds.Incomes,
    };

    private static readonly string[] Categories = ["food", "rent", "transport", "fun", "health", "gifts"];
}
