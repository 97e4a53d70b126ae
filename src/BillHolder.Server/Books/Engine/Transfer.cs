namespace BillHolder.Server.Books.Engine;

// Money moved from one wallet to another of the same book.
internal sealed record Transfer(long Id, long FromWalletId, long ToWalletId, long Amount, long Date,
    string? Remark, long CreatedAt, long LastEditedAt, long Version, string CreatedBy, string LastEditedBy)
    : ISyncedRecord<Transfer, TransferInput>
{
    public int Status => 0;

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

    public static IReadOnlyList<RecordField<Transfer>> Fields { get; } =
    [
        new("fromWalletId", r => r.FromWalletId, (to, from) => to with { FromWalletId = from.FromWalletId }),
        new("toWalletId", r => r.ToWalletId, (to, from) => to with { ToWalletId = from.ToWalletId }),
        new("amount", r => r.Amount, (to, from) => to with { Amount = from.Amount }),
        new("date", r => r.Date, (to, from) => to with { Date = from.Date }),
        new("remark", r => r.Remark, (to, from) => to with { Remark = from.Remark }),
    ];

    // Each side may be valid alone and the merge of both a transfer from a wallet to itself.
    public bool IsConsistent() => FromWalletId != ToWalletId;

    public IEnumerable<long> WalletIds() => [FromWalletId, ToWalletId];

    public IEnumerable<(long WalletId, long Amount)> BalanceEffects() => [(FromWalletId, -Amount), (ToWalletId, Amount)];
}

internal sealed record TransferInput(long Id, RecordStatus Status, long FromWalletId, long ToWalletId, long Amount,
    long Date, string? Remark, long? CreatedAt, long? LastEditedAt, long? Version = null) : IRecordInput
{
    public static TransferInput IdOnly(long id, RecordStatus status, long? version = null) => new(id, status, 0, 0, 0, 0, null, null, null, version);

    public IEnumerable<(string Field, long WalletId)> WalletReferences() =>
        [("fromWalletId", FromWalletId), ("toWalletId", ToWalletId)];
}
