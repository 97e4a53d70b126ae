using System.Collections.Immutable;
using BillHolder.Server.Books.Engine;

namespace BillHolder.Tests.Books.Engine;

// Builders for books and requests, so each test states only the fields it is about.
internal static class SyncTestData
{
    public const string Alice = "alice";
    public const string Bob = "bob";
    public const long Now = 1_700_000_000_000;

    public static Wallet StoredWallet(long id, long opening, long balance, long version = 1) =>
        new(id, $"w{id}", null, opening, balance, null, 1, 1, version, Bob, Bob);

    public static Bill StoredBill(long id, long wallet, long amount) =>
        new(id, wallet, amount, 5, "food", null, 1, 1, 1, Bob, Bob);

    public static Transfer StoredTransfer(long id, long from, long to, long amount) =>
        new(id, from, to, amount, 5, null, 1, 1, 1, Bob, Bob);

    public static Income StoredIncome(long id, long wallet, long amount) =>
        new(id, wallet, amount, 5, "pay", null, 1, 1, 1, Bob, Bob);

    // The worked-example book: wallet 1 = 0 + 100 - 10 - 20 = 70, wallet 2 = 0 + 40 - 5 + 20 = 55.
    public static BookState B0() => BookState.Empty("Home", null) with
    {
        Version = 1,
        Wallets = Dict(StoredWallet(1, 0, 70), StoredWallet(2, 0, 55)),
        Bills = Dict(StoredBill(1, 1, 10), StoredBill(2, 2, 5)),
        Transfers = Dict(StoredTransfer(1, 1, 2, 20)),
        Incomes = Dict(StoredIncome(1, 1, 100), StoredIncome(2, 2, 40)),
        NextIds = new ByCollection<long>(3, 3, 2, 3),
    };

    public static ImmutableSortedDictionary<long, T> Dict<T>(params T[] records) where T : IBookRecord =>
        records.ToImmutableSortedDictionary(r => r.Id, r => r);

    public static WalletInput W(long id, RecordStatus status, long opening = 0, string name = "new wallet") =>
        new(id, status, name, null, opening, null, null, null);

    public static BillInput B(long id, RecordStatus status, long wallet = 0, long amount = 0) =>
        new(id, status, wallet, amount, 5, "food", null, null, null);

    public static TransferInput T(long id, RecordStatus status, long from = 0, long to = 0, long amount = 0) =>
        new(id, status, from, to, amount, 5, null, null, null);

    public static IncomeInput I(long id, RecordStatus status, long wallet = 0, long amount = 0) =>
        new(id, status, wallet, amount, 5, "pay", null, null, null);

    public static SyncRequest Request(WalletInput[]? wallets = null, BillInput[]? bills = null,
        TransferInput[]? transfers = null, IncomeInput[]? incomes = null, BookMetaInput? book = null) =>
        new("sync-1", null, book, new SyncChanges(wallets ?? [], bills ?? [], transfers ?? [], incomes ?? []));

    public static SyncOutcome.Applied Applied(SyncOutcome outcome) =>
        Assert.IsType<SyncOutcome.Applied>(outcome);

    public static SyncOutcome.Rejected Rejected(SyncOutcome outcome) =>
        Assert.IsType<SyncOutcome.Rejected>(outcome);

    public static long Balance(BookState book, long walletId) => book.Wallets[walletId].Balance;
}
