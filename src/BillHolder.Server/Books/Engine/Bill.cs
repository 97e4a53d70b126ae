namespace BillHolder.Server.Books.Engine;

// An expense paid from a wallet.
internal sealed record Bill(long Id, long WalletId, long Amount, long Date, string? Category, string? Remark,
    long CreatedAt, long LastEditedAt, long Version, string CreatedBy, string LastEditedBy)
    : ISyncedRecord<Bill, BillInput>
{
    public int Status => 0;

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

    public static IReadOnlyList<RecordField<Bill>> Fields { get; } =
    [
        new("walletId", r => r.WalletId, (to, from) => to with { WalletId = from.WalletId }),
        new("amount", r => r.Amount, (to, from) => to with { Amount = from.Amount }),
        new("date", r => r.Date, (to, from) => to with { Date = from.Date }),
        new("category", r => r.Category, (to, from) => to with { Category = from.Category }),
        new("remark", r => r.Remark, (to, from) => to with { Remark = from.Remark }),
    ];

    public bool IsConsistent() => true;

    public IEnumerable<long> WalletIds() => [WalletId];

    public IEnumerable<(long WalletId, long Amount)> BalanceEffects() => [(WalletId, -Amount)];
}

internal sealed record BillInput(long Id, RecordStatus Status, long WalletId, long Amount, long Date, string? Category,
    string? Remark, long? CreatedAt, long? LastEditedAt, long? Version = null) : IRecordInput
{
    public static BillInput IdOnly(long id, RecordStatus status, long? version = null) => new(id, status, 0, 0, 0, null, null, null, null, version);

    public IEnumerable<(string Field, long WalletId)> WalletReferences() => [("walletId", WalletId)];
}
