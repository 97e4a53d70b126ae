using System.Globalization;
using BillHolder.Server.Books.Engine;
using CsvHelper;

namespace BillHolder.Server.Books.Exports;

// The CSV of a book (RFC 4180, UTF-8 without a byte order mark, CRLF, a header row): one row per record, wallets,
// bills, transfers, incomes, each by id. Amounts in minor units; dates and times as UTC ISO 8601 with milliseconds.
// CSV import (Parsing/CsvImportParser) reads the same header and undoes Defuse.
internal static class BookCsv
{
    public static readonly string[] Header =
    [
        "collection", "id", "walletId", "fromWalletId", "toWalletId", "amount", "date", "category", "remark", "name", "color",
        "openingBalance", "balance", "version", "createdBy", "createdAt", "lastEditedBy", "lastEditedAt",
    ];

    public const string DateFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    // A text cell a spreadsheet would run as a formula (it starts with = + - @, a tab or a CR) is written with a
    // leading apostrophe, which spreadsheets show as text. So that every text reads back exactly, a text that
    // already starts with an apostrophe gets one more; the import removes one leading apostrophe from every text cell.
    public static string? Defuse(string? text) =>
        text is { Length: > 0 } && text[0] is '=' or '+' or '-' or '@' or '\t' or '\r' or '\'' ? "'" + text : text;

    public static string Undefuse(string text) => text.StartsWith('\'') ? text[1..] : text;

    // Instants after the year 9999 (dates are any epoch milliseconds) have no ISO form: they stay numbers, which the
    // import reads too.
    public static string Instant(long epochMs) => epochMs <= Reports.MaxEpochMs
        ? DateTimeOffset.FromUnixTimeMilliseconds(epochMs).UtcDateTime.ToString(DateFormat, CultureInfo.InvariantCulture)
        : epochMs.ToString(CultureInfo.InvariantCulture);

    public static async Task WriteAsync(Stream body, BookState book, CancellationToken cancellationToken)
    {
        await using var csv = CsvWriter.Create(body, CsvWriterOptions.Default, leaveOpen: true);
        csv.WriteHeader(Header);
        foreach (var w in book.Wallets.Values)
        {
            await RowAsync(csv, "wallet", w.Id, null, null, null, null, null, null, w.Remark, w.Name, w.Color, w.OpeningBalance, w.Balance,
                w.Version, w.CreatedBy, w.CreatedAt, w.LastEditedBy, w.LastEditedAt, cancellationToken);
        }
        foreach (var b in book.Bills.Values)
        {
            await RowAsync(csv, "bill", b.Id, b.WalletId, null, null, b.Amount, b.Date, b.Category, b.Remark, null, null, null, null,
                b.Version, b.CreatedBy, b.CreatedAt, b.LastEditedBy, b.LastEditedAt, cancellationToken);
        }
        foreach (var t in book.Transfers.Values)
        {
            await RowAsync(csv, "transfer", t.Id, null, t.FromWalletId, t.ToWalletId, t.Amount, t.Date, null, t.Remark, null, null, null, null,
                t.Version, t.CreatedBy, t.CreatedAt, t.LastEditedBy, t.LastEditedAt, cancellationToken);
        }
        foreach (var i in book.Incomes.Values)
        {
            await RowAsync(csv, "income", i.Id, i.WalletId, null, null, i.Amount, i.Date, i.Category, i.Remark, null, null, null, null,
                i.Version, i.CreatedBy, i.CreatedAt, i.LastEditedBy, i.LastEditedAt, cancellationToken);
        }
        await csv.FlushAsync(cancellationToken);
    }

    private static ValueTask RowAsync(CsvWriter csv, string collection, long id, long? walletId, long? fromWalletId, long? toWalletId,
        long? amount, long? date, string? category, string? remark, string? name, string? color, long? openingBalance, long? balance,
        long version, string createdBy, long createdAt, string lastEditedBy, long lastEditedAt, CancellationToken cancellationToken)
    {
        csv.WriteField(collection);
        Number(csv, id);
        Number(csv, walletId);
        Number(csv, fromWalletId);
        Number(csv, toWalletId);
        Number(csv, amount);
        csv.WriteField(date is { } d ? Instant(d) : null);
        csv.WriteField(Defuse(category));
        csv.WriteField(Defuse(remark));
        csv.WriteField(Defuse(name));
        csv.WriteField(Defuse(color));
        Number(csv, openingBalance);
        Number(csv, balance);
        Number(csv, version);
        csv.WriteField(Defuse(createdBy));
        csv.WriteField(Instant(createdAt));
        csv.WriteField(Defuse(lastEditedBy));
        csv.WriteField(Instant(lastEditedAt));
        return csv.EndRecordAsync(cancellationToken);
    }

    private static void Number(CsvWriter csv, long? value) => csv.WriteField(value?.ToString(CultureInfo.InvariantCulture));
}
