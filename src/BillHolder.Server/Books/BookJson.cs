using System.Collections.Immutable;
using System.Text.Json;
using BillHolder.Server.Sync;

namespace BillHolder.Server.Books;

// The JSON of the book's collection columns: arrays of stored records, camelCase, as clients see them.
internal static class BookJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static string Write<T>(IEnumerable<T> records) => JsonSerializer.Serialize(records, Options);

    public static ImmutableSortedDictionary<long, T> Read<T>(string json, Func<T, long> id)
    {
        var records = JsonSerializer.Deserialize<List<T>>(json, Options) ?? [];
        var builder = ImmutableSortedDictionary.CreateBuilder<long, T>();
        foreach (var record in records) builder[id(record)] = record;
        return builder.ToImmutable();
    }

    public static BookState ReadState(BookRow row) => new(
        row.Version, row.Name, row.Remark,
        Read<Wallet>(row.Wallets, w => w.Id),
        Read<Bill>(row.Bills, b => b.Id),
        Read<Transfer>(row.Transfers, t => t.Id),
        Read<Income>(row.Incomes, i => i.Id),
        row.NextWalletId, row.NextBillId, row.NextTransferId, row.NextIncomeId);
}

// One row of the book table as stored.
internal sealed class BookRow
{
    public long Id { get; init; }
    public string Name { get; init; } = "";
    public string? Remark { get; init; }
    public string Wallets { get; init; } = "[]";
    public string Bills { get; init; } = "[]";
    public string Transfers { get; init; } = "[]";
    public string Incomes { get; init; } = "[]";
    public string CreatedBy { get; init; } = "";
    public long CreatedAt { get; init; }
    public string LastEditedBy { get; init; } = "";
    public long LastEditedAt { get; init; }
    public long Version { get; init; }
    public long NextWalletId { get; init; }
    public long NextBillId { get; init; }
    public long NextTransferId { get; init; }
    public long NextIncomeId { get; init; }
}

// The book as GET /api/books/{id} shows it.
internal sealed record BookSnapshot(
    long Id, string Name, string? Remark, long Version,
    IEnumerable<Wallet> Wallets, IEnumerable<Bill> Bills, IEnumerable<Transfer> Transfers, IEnumerable<Income> Incomes,
    string CreatedBy, long CreatedAt, string LastEditedBy, long LastEditedAt)
{
    public static BookSnapshot From(BookHeader header, BookState state) => new(
        header.Id, state.Name, state.Remark, state.Version,
        state.Wallets.Values, state.Bills.Values, state.Transfers.Values, state.Incomes.Values,
        header.CreatedBy, header.CreatedAt, header.LastEditedBy, header.LastEditedAt);
}

internal sealed record BookHeader(long Id, string CreatedBy, long CreatedAt, string LastEditedBy, long LastEditedAt)
{
    public static BookHeader From(BookRow row) => new(row.Id, row.CreatedBy, row.CreatedAt, row.LastEditedBy, row.LastEditedAt);
}
