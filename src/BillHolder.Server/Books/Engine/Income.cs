namespace BillHolder.Server.Books.Engine;

// Money received into a wallet.
internal sealed record Income(long Id, long WalletId, long Amount, long Date, string? Category, string? Remark,
    long CreatedAt, long LastEditedAt, long Version, string CreatedBy, string LastEditedBy)
    : ISyncedRecord<Income, IncomeInput>
{
    public int Status => 0;

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

    public IEnumerable<(long WalletId, long Amount)> BalanceEffects() => [(WalletId, Amount)];
}

internal sealed record IncomeInput(long Id, RecordStatus Status, long WalletId, long Amount, long Date,
    string? Category, string? Remark, long? CreatedAt, long? LastEditedAt) : IRecordInput
{
    public static IncomeInput IdOnly(long id, RecordStatus status) => new(id, status, 0, 0, 0, null, null, null, null);

    public IEnumerable<(string Field, long WalletId)> WalletReferences() => [("walletId", WalletId)];
}
