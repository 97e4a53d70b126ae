using System.Text.Json.Serialization;
using BillHolder.Server.Books.Engine;

namespace BillHolder.Server.Books;

// Wire shapes of the book API shared by REST and the hub (camelCase JSON). ChangeSet lives in Engine/.

internal sealed record SkippedDto(string Collection, long Id, int Status, string Reason)
{
    public static SkippedDto From(SkippedRecord skipped) =>
        new(skipped.Collection.JsonName(), skipped.Id, (int)skipped.Status, skipped.Reason);
}

// Replayed tells a retried syncId's answer from the first one (REST also says it in the Idempotent-Replayed
// header). It is part of the answer, never of the stored receipt: see ReceiptStore.
internal sealed record SyncResult(
    long BookId, string SyncId, long Version, bool Applied, ByCollection<IReadOnlyDictionary<long, long>> IdMap,
    IReadOnlyList<SkippedDto> Skipped, ChangeSet? Changes)
{
    // After changes, so the answer's existing members keep their order.
    [JsonPropertyOrder(1)]
    public bool Replayed { get; init; }

    // Rule 12; always present. Receipts written before it have neither and read as empty.
    public IReadOnlyList<MergeConflict> Conflicts { get; init; } = [];

    public IReadOnlyList<WholeRecord> WholeRecords { get; init; } = [];
}

// The book as GET /api/books/{id} shows it; a creation answer adds the idMap of its initial records.
internal record BookSnapshot(
    long Id, string Name, string? Remark, long Version,
    IEnumerable<Wallet> Wallets, IEnumerable<Bill> Bills, IEnumerable<Transfer> Transfers, IEnumerable<Income> Incomes,
    string CreatedBy, long CreatedAt, string LastEditedBy, long LastEditedAt)
{
    public static BookSnapshot From(BookHeader header, BookState state) => new(
        header.Id, state.Name, state.Remark, state.Version,
        state.Wallets.Values, state.Bills.Values, state.Transfers.Values, state.Incomes.Values,
        header.CreatedBy, header.CreatedAt, header.LastEditedBy, header.LastEditedAt);
}

internal sealed record CreatedBook : BookSnapshot
{
    public CreatedBook(BookSnapshot snapshot, ByCollection<IReadOnlyDictionary<long, long>> idMap) : base(snapshot) => IdMap = idMap;

    // After the snapshot's members, as it always was on the wire (the serializer puts a derived type's own first).
    [JsonPropertyOrder(1)]
    public ByCollection<IReadOnlyDictionary<long, long>> IdMap { get; }
}

// Who made and last edited the book: the part of a snapshot that is not in its BookState.
internal sealed record BookHeader(long Id, string CreatedBy, long CreatedAt, string LastEditedBy, long LastEditedAt);

internal sealed record BookListItem(long Id, string Name, string Role, long Version);

internal sealed record MemberDto(long UserId, string Username, string Role);

internal sealed record HistoryEntry(long Version, string? SyncId, string Username, long Time, ChangeSummary Summary);

internal sealed record WalletConsistency(long WalletId, string Name, long StoredBalance, long RecomputedBalance, bool Ok);

internal sealed record ConsistencyReport(long BookId, long Version, bool Ok, IReadOnlyList<WalletConsistency> Wallets);
