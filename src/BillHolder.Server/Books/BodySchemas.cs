using System.ComponentModel;

namespace BillHolder.Server.Books;

// The bodies Books/Parsing reads by hand (sync, book creation, rename), as types for the OpenAPI document only
// (BooksModule names them with Accepts). The parser is what enforces them: field by field, errors by JSON path.
internal static class BodySchemas
{
    private const string StatusText = "0 synchronized (ignored), 1 modified, 2 deleted, 3 new";

    [Description("A book synchronization (README, rules 1-12). syncId is required unless the Idempotency-Key header carries it.")]
    internal sealed record SyncBody(
        [property: Description("1-100 characters; the same syncId when retrying the same sync")] string? SyncId = null,
        [property: Description("The version the client holds: shapes the answer's changes and the merge base")] long? BaseVersion = null,
        BookMetaBody? Book = null,
        IReadOnlyList<WalletChange>? Wallets = null, IReadOnlyList<BillChange>? Bills = null, IReadOnlyList<TransferChange>? Transfers = null,
        IReadOnlyList<IncomeChange>? Incomes = null);

    [Description("A new book, optionally with initial records (every record status 3, new, with a negative provisional id).")]
    internal sealed record NewBookBody(string Name, string? Remark = null,
        IReadOnlyList<WalletChange>? Wallets = null, IReadOnlyList<BillChange>? Bills = null, IReadOnlyList<TransferChange>? Transfers = null,
        IReadOnlyList<IncomeChange>? Incomes = null);

    [Description("The book's name and remark; an absent member stays as it is, a null remark clears it.")]
    internal sealed record BookMetaBody(string? Name = null, string? Remark = null);

    internal sealed record WalletChange(
        [property: Description("Provisional (negative) for a new record, else the server's id")] long Id,
        [property: Description(StatusText)] int Status,
        string? Name = null, string? Color = null, long? OpeningBalance = null, string? Remark = null,
        [property: Description("The record version the client edited (its merge base), for status 1")] long? Version = null,
        long? CreatedAt = null, long? LastEditedAt = null);

    internal sealed record BillChange(
        long Id, [property: Description(StatusText)] int Status,
        long? WalletId = null, [property: Description("Minor units, 0 or more")] long? Amount = null,
        [property: Description("Epoch milliseconds")] long? Date = null, string? Category = null, string? Remark = null, long? Version = null,
        long? CreatedAt = null, long? LastEditedAt = null);

    internal sealed record TransferChange(
        long Id, [property: Description(StatusText)] int Status,
        long? FromWalletId = null, long? ToWalletId = null, long? Amount = null, long? Date = null, string? Remark = null, long? Version = null,
        long? CreatedAt = null, long? LastEditedAt = null);

    internal sealed record IncomeChange(
        long Id, [property: Description(StatusText)] int Status,
        long? WalletId = null, long? Amount = null, long? Date = null, string? Category = null, string? Remark = null, long? Version = null,
        long? CreatedAt = null, long? LastEditedAt = null);
}
