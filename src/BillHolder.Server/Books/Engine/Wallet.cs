namespace BillHolder.Server.Books.Engine;

// An account with a balance. Balance is derived (opening + incomes - bills -/+ transfers), never sent.
internal sealed record Wallet(long Id, string Name, string? Color, long OpeningBalance, long Balance,
    string? Remark, long CreatedAt, long LastEditedAt, long Version, string CreatedBy, string LastEditedBy)
    : ISyncedRecord<Wallet, WalletInput>
{
    public int Status => 0;

    public static Collection Collection => Collection.Wallets;

    // Balance starts at zero; the engine recomputes every balance before anything is stored.
    public static Wallet Create(long id, WalletInput input, Func<long, long> resolveWallet) =>
        new(id, input.Name, input.Color, input.OpeningBalance, 0, input.Remark, 0, 0, 0, "", "");

    public Wallet WithClientFields(WalletInput input, Func<long, long> resolveWallet) =>
        this with { Name = input.Name, Color = input.Color, OpeningBalance = input.OpeningBalance, Remark = input.Remark };

    public Wallet WithCreation(string user, long at) => this with { CreatedBy = user, CreatedAt = at };

    public Wallet WithEdit(string user, long at, long version) =>
        this with { LastEditedBy = user, LastEditedAt = at, Version = version };

    public static IReadOnlyList<RecordField<Wallet>> Fields { get; } =
    [
        new("name", r => r.Name, (to, from) => to with { Name = from.Name }),
        new("color", r => r.Color, (to, from) => to with { Color = from.Color }),
        new("openingBalance", r => r.OpeningBalance, (to, from) => to with { OpeningBalance = from.OpeningBalance }),
        new("remark", r => r.Remark, (to, from) => to with { Remark = from.Remark }),
    ];

    public bool IsConsistent() => true;

    public IEnumerable<long> WalletIds() => [];

    public IEnumerable<(long WalletId, long Amount)> BalanceEffects() => [(Id, OpeningBalance)];
}

internal sealed record WalletInput(long Id, RecordStatus Status, string Name, string? Color, long OpeningBalance,
    string? Remark, long? CreatedAt, long? LastEditedAt, long? Version = null) : IRecordInput
{
    public static WalletInput IdOnly(long id, RecordStatus status, long? version = null) => new(id, status, "", null, 0, null, null, null, version);

    public IEnumerable<(string Field, long WalletId)> WalletReferences() => [];
}
