namespace BillHolder.Server.Sync;

// How each stored record takes its client fields from an input. Methods, not properties, so the
// storage layer's JSON serialization of the records is unaffected. Audit fields (created/edited
// by/at, version) are never touched by Create/WithClientFields: the engine stamps them separately,
// which lets "modify with identical fields" be detected by plain record equality.
internal interface IBookRecord
{
    long Id { get; }

    IEnumerable<long> WalletIds();
}

internal interface ISyncedRecord<TSelf, TInput> : IBookRecord
    where TSelf : ISyncedRecord<TSelf, TInput>
    where TInput : IRecordInput
{
    static abstract Collection Collection { get; }

    static abstract TSelf Create(long id, TInput input, Func<long, long> resolveWallet);

    TSelf WithClientFields(TInput input, Func<long, long> resolveWallet);

    TSelf WithCreation(string user, long at);

    TSelf WithEdit(string user, long at, long version);
}

internal sealed partial record Wallet : ISyncedRecord<Wallet, WalletInput>
{
    public static Collection Collection => Collection.Wallets;

    // Balance starts at zero; the engine recomputes every balance before anything is stored.
    public static Wallet Create(long id, WalletInput input, Func<long, long> resolveWallet) =>
        new(id, input.Name, input.Color, input.OpeningBalance, 0, input.Remark, 0, 0, 0, "", "");

    public Wallet WithClientFields(WalletInput input, Func<long, long> resolveWallet) =>
        this with { Name = input.Name, Color = input.Color, OpeningBalance = input.OpeningBalance, Remark = input.Remark };

    public Wallet WithCreation(string user, long at) => this with { CreatedBy = user, CreatedAt = at };

    public Wallet WithEdit(string user, long at, long version) =>
        this with { LastEditedBy = user, LastEditedAt = at, Version = version };

    public IEnumerable<long> WalletIds() => [];
}

internal sealed partial record Bill : ISyncedRecord<Bill, BillInput>
{
    public static Collection Collection => Collection.Bills;

    public static Bill Create(long id, BillInput input, Func<long, long> resolveWallet) =>
        new Bill(id, 0, 0, 0, null, null, 0, 0, 0, "", "").WithClientFields(input, resolveWallet);

    public Bill WithClientFields(BillInput input, Func<long, long> resolveWallet) => this with
    {
        WalletId = resolveWallet(input.WalletId), Amount = input.Amount, Date = input.Date,
        Category = input.Category, Remark = input.Remark,
    };

    public Bill WithCreation(string user, long at) => this with { CreatedBy = user, CreatedAt = at };

    public Bill WithEdit(string user, long at, long version) =>
        this with { LastEditedBy = user, LastEditedAt = at, Version = version };

    public IEnumerable<long> WalletIds() => [WalletId];
}

internal sealed partial record Transfer : ISyncedRecord<Transfer, TransferInput>
{
    public static Collection Collection => Collection.Transfers;

    public static Transfer Create(long id, TransferInput input, Func<long, long> resolveWallet) =>
        new Transfer(id, 0, 0, 0, 0, null, 0, 0, 0, "", "").WithClientFields(input, resolveWallet);

    public Transfer WithClientFields(TransferInput input, Func<long, long> resolveWallet) => this with
    {
        FromWalletId = resolveWallet(input.FromWalletId), ToWalletId = resolveWallet(input.ToWalletId),
        Amount = input.Amount, Date = input.Date, Remark = input.Remark,
    };

    public Transfer WithCreation(string user, long at) => this with { CreatedBy = user, CreatedAt = at };

    public Transfer WithEdit(string user, long at, long version) =>
        this with { LastEditedBy = user, LastEditedAt = at, Version = version };

    public IEnumerable<long> WalletIds() => [FromWalletId, ToWalletId];
}

internal sealed partial record Income : ISyncedRecord<Income, IncomeInput>
{
    public static Collection Collection => Collection.Incomes;

    public static Income Create(long id, IncomeInput input, Func<long, long> resolveWallet) =>
        new Income(id, 0, 0, 0, null, null, 0, 0, 0, "", "").WithClientFields(input, resolveWallet);

    public Income WithClientFields(IncomeInput input, Func<long, long> resolveWallet) => this with
    {
        WalletId = resolveWallet(input.WalletId), Amount = input.Amount, Date = input.Date,
        Category = input.Category, Remark = input.Remark,
    };

    public Income WithCreation(string user, long at) => this with { CreatedBy = user, CreatedAt = at };

    public Income WithEdit(string user, long at, long version) =>
        this with { LastEditedBy = user, LastEditedAt = at, Version = version };

    public IEnumerable<long> WalletIds() => [WalletId];
}
