namespace BillHolder.Server.Sync;

// What a client sent, already validated by SyncRequestParser. For Synchronized and Deleted records only
// Id and Status are meaningful; the other fields hold defaults.
internal interface IRecordInput
{
    long Id { get; }
    RecordStatus Status { get; }
    long? CreatedAt { get; }
    long? LastEditedAt { get; }

    // Raw wallet references as sent (possibly provisional ids), with the field name for error paths.
    IEnumerable<(string Field, long WalletId)> WalletReferences();
}

internal sealed record WalletInput(long Id, RecordStatus Status, string Name, string? Color, long OpeningBalance,
    string? Remark, long? CreatedAt, long? LastEditedAt) : IRecordInput
{
    public IEnumerable<(string Field, long WalletId)> WalletReferences() => [];
}

internal sealed record BillInput(long Id, RecordStatus Status, long WalletId, long Amount, long Date, string? Category,
    string? Remark, long? CreatedAt, long? LastEditedAt) : IRecordInput
{
    public IEnumerable<(string Field, long WalletId)> WalletReferences() => [("walletId", WalletId)];
}

internal sealed record TransferInput(long Id, RecordStatus Status, long FromWalletId, long ToWalletId, long Amount,
    long Date, string? Remark, long? CreatedAt, long? LastEditedAt) : IRecordInput
{
    public IEnumerable<(string Field, long WalletId)> WalletReferences() =>
        [("fromWalletId", FromWalletId), ("toWalletId", ToWalletId)];
}

internal sealed record IncomeInput(long Id, RecordStatus Status, long WalletId, long Amount, long Date,
    string? Category, string? Remark, long? CreatedAt, long? LastEditedAt) : IRecordInput
{
    public IEnumerable<(string Field, long WalletId)> WalletReferences() => [("walletId", WalletId)];
}

internal sealed record SyncChanges(IReadOnlyList<WalletInput> Wallets, IReadOnlyList<BillInput> Bills,
    IReadOnlyList<TransferInput> Transfers, IReadOnlyList<IncomeInput> Incomes)
{
    public static SyncChanges None { get; } = new([], [], [], []);

    public int Count => Wallets.Count + Bills.Count + Transfers.Count + Incomes.Count;
}

// RemarkSet distinguishes "remark": null (clear it) from an absent remark (leave it).
internal sealed record BookMetaInput(string? Name, string? Remark, bool RemarkSet);

internal sealed record SyncRequest(string SyncId, long? BaseVersion, BookMetaInput? Book, SyncChanges Changes);
