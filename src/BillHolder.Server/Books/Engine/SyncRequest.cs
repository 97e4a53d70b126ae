namespace BillHolder.Server.Books.Engine;

// A validated sync: what the engine applies. BaseVersion only shapes the answer's changes.
internal sealed record SyncRequest(string SyncId, long? BaseVersion, BookMetaInput? Book, SyncChanges Changes);

// RemarkSet distinguishes "remark": null (clear it) from an absent remark (leave it).
internal sealed record BookMetaInput(string? Name, string? Remark, bool RemarkSet);

internal sealed record SyncChanges(IReadOnlyList<WalletInput> Wallets, IReadOnlyList<BillInput> Bills,
    IReadOnlyList<TransferInput> Transfers, IReadOnlyList<IncomeInput> Incomes)
{
    public static SyncChanges None { get; } = new([], [], [], []);

    // The same inputs, untyped, for what every collection does alike. Not serialized: the payload hash of a
    // sync (its idempotency check) is the JSON of the request.
    [System.Text.Json.Serialization.JsonIgnore]
    public ByCollection<IReadOnlyList<IRecordInput>> All => new(Wallets, Bills, Transfers, Incomes);

    public int Count => Wallets.Count + Bills.Count + Transfers.Count + Incomes.Count;
}
