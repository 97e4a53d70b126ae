using System.Text.Json;
using BillHolder.Server.Books.Engine;
using BillHolder.Server.Books.Parsing;

namespace BillHolder.Server.Books.Exports;

// The JSON export of a book (formatVersion 1): the book at one version with every record field, its members and its
// history. It is also what POST /api/books/import reads (ImportParser), and the schema the API documents.
internal sealed record BookExport(
    string Format, int FormatVersion, long ExportedAt, ExportedBook Book,
    IEnumerable<Wallet> Wallets, IEnumerable<Bill> Bills, IEnumerable<Transfer> Transfers, IEnumerable<Income> Incomes,
    IEnumerable<MemberDto> Members, IAsyncEnumerable<HistoryEntry> History)
{
    public static BookExport Of(BookExportSource source, IAsyncEnumerable<HistoryEntry> history, long exportedAt)
    {
        var (header, state, members) = source;
        return new BookExport(ImportParser.Format, ImportParser.FormatVersion, exportedAt,
            new ExportedBook(header.Id, state.Name, state.Remark, state.Version, header.CreatedBy, header.CreatedAt, header.LastEditedBy,
                header.LastEditedAt),
            state.Wallets.Values, state.Bills.Values, state.Transfers.Values, state.Incomes.Values, members, history);
    }

    // Streamed: the serializer writes through a Utf8JsonWriter to the body and flushes as its buffer fills, records
    // and history rows included, so the export never exists as one string.
    public Task WriteAsync(Stream body, CancellationToken cancellationToken) =>
        JsonSerializer.SerializeAsync(body, this, JsonSerializerOptions.Web, cancellationToken);
}

internal sealed record ExportedBook(long Id, string Name, string? Remark, long Version, string CreatedBy, long CreatedAt,
    string LastEditedBy, long LastEditedAt);

// What an export reads from the database in one snapshot (the history follows from the log, up to that version).
internal sealed record BookExportSource(BookHeader Header, BookState State, IReadOnlyList<MemberDto> Members);

// The answer of a JSON import: the new book, its version and how many records of each kind it holds.
internal sealed record ImportedBookResult(long Id, string Name, long Version, ByCollection<int> Records);
