using System.Collections.Immutable;
using System.Text.Json;
using BillHolder.Server.Books.Engine;

namespace BillHolder.Server.Books.Storage;

// The JSON of the book's collection columns: arrays of stored records, camelCase, as clients see them.
internal static class BookJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static string Write<T>(IEnumerable<T> records) => JsonSerializer.Serialize(records, Options);

    public static ImmutableSortedDictionary<long, T> Read<T>(string json) where T : IBookRecord
    {
        var records = JsonSerializer.Deserialize<List<T>>(json, Options) ?? [];
        var builder = ImmutableSortedDictionary.CreateBuilder<long, T>();
        foreach (var record in records) builder[record.Id] = record;
        return builder.ToImmutable();
    }

    public static BookState ReadState(BookRow row) => new(
        row.Version, row.Name, row.Remark,
        Read<Wallet>(row.Wallets), Read<Bill>(row.Bills), Read<Transfer>(row.Transfers), Read<Income>(row.Incomes),
        new ByCollection<long>(row.NextWalletId, row.NextBillId, row.NextTransferId, row.NextIncomeId));
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

    public BookHeader Header => new(Id, CreatedBy, CreatedAt, LastEditedBy, LastEditedAt);
}
