using System.Buffers;
using System.Collections.Immutable;
using System.Text;
using System.Text.Json;
using BillHolder.Server.Books.Engine;

namespace BillHolder.Server.Books.Storage;

// The JSON of the book's collection columns (arrays of stored records, camelCase, as clients see them) and of
// the change log's rows.
internal static class BookJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static string Write<T>(IEnumerable<T> records) => JsonSerializer.Serialize(records, Options);

    public static CollectionsJson WriteCollections(BookState state) => new(
        Write(state.Wallets.Values), Write(state.Bills.Values), Write(state.Transfers.Values), Write(state.Incomes.Values));

    public static ImmutableSortedDictionary<long, T> Read<T>(string json) where T : IBookRecord
    {
        var records = JsonSerializer.Deserialize<List<T>>(json, Options) ?? [];
        var builder = ImmutableSortedDictionary.CreateBuilder<long, T>();
        foreach (var record in records) builder[record.Id] = record;
        return builder.ToImmutable();
    }

    public static BookState ReadCheckpoint(CheckpointRow row) => new(
        row.CheckpointVersion, row.Name, row.Remark,
        Read<Wallet>(row.Wallets), Read<Bill>(row.Bills), Read<Transfer>(row.Transfers), Read<Income>(row.Incomes),
        new ByCollection<long>(row.NextWalletId, row.NextBillId, row.NextTransferId, row.NextIncomeId));

    // What one record adds to its collection's JSON array (its JSON and a separating comma).
    public static long SizeOf<T>(T record) => Utf8(record).Length + 1;

    [ThreadStatic] private static ArrayBufferWriter<byte>? t_buffer;
    [ThreadStatic] private static Utf8JsonWriter? t_writer;

    // The value's UTF-8 JSON in this thread's scratch buffer, for measuring or hashing it without allocating. Valid
    // until this thread's next call: read it before anything that may yield.
    public static ReadOnlySpan<byte> Utf8<T>(T value)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(4096);
        buffer.ResetWrittenCount();
        var writer = t_writer ??= new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = Options.Encoder, SkipValidation = true });
        writer.Reset(buffer);
        JsonSerializer.Serialize(writer, value, Options);
        writer.Flush();
        // A rare huge value does not pin its buffer to the thread for good.
        if (buffer.Capacity > 1 << 20) t_buffer = null;
        return buffer.WrittenSpan;
    }

    public static long SizeOf(string json) => Encoding.UTF8.GetByteCount(json);
}

internal sealed record CollectionsJson(string Wallets, string Bills, string Transfers, string Incomes)
{
    public long Bytes => BookJson.SizeOf(Wallets) + BookJson.SizeOf(Bills) + BookJson.SizeOf(Transfers) + BookJson.SizeOf(Incomes);

    public ByCollection<long> Sizes => new(BookJson.SizeOf(Wallets), BookJson.SizeOf(Bills), BookJson.SizeOf(Transfers), BookJson.SizeOf(Incomes));
}
