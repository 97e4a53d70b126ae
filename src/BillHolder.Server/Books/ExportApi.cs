using System.Net.Http.Headers;
using BillHolder.Server.Accounts;
using BillHolder.Server.Books.Exports;
using BillHolder.Server.Books.Parsing;
using BillHolder.Server.Books.Storage;
using BillHolder.Server.Infrastructure.Errors;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace BillHolder.Server.Books;

// Handlers of a book's export and of the two imports; the routes and their roles are in BooksModule. The bodies are
// read here as streams (not bound by the framework), so the content type is checked here too.
internal static class ExportApi
{
    public static async Task<Results<PushStreamHttpResult, ProblemHttpResult>> Export(
        long bookId, [FromQuery(Name = "format")] string? format, CurrentUser user, BookService books, ChangeLogStore log,
        TimeProvider time, HttpContext http, CancellationToken cancellationToken)
    {
        if (format is not (null or "json" or "csv")) return ApiError.Validation("format", "must be json or csv").ToProblem();
        var read = await books.ExportSourceAsync(bookId, user, cancellationToken);
        if (!read.IsOk) return read.Error.ToProblem();

        var source = read.Value;
        var name = $"billholder-book-{bookId}-v{source.State.Version}";
        var aborted = http.RequestAborted;
        if (format == "csv")
        {
            return TypedResults.Stream(body => BookCsv.WriteAsync(body, source.State, aborted), "text/csv; charset=utf-8", $"{name}.csv");
        }
        var export = BookExport.Of(source, log.HistoryUpToAsync(bookId, source.State.Version, aborted), time.GetUtcNow().ToUnixTimeMilliseconds());
        return TypedResults.Stream(body => export.WriteAsync(body, aborted), "application/json; charset=utf-8", $"{name}.json");
    }

    public static async Task<Results<Created<ImportedBookResult>, ProblemHttpResult>> Import(
        HttpRequest request, CurrentUser user, BookService books, IOptions<SyncOptions> options, CancellationToken cancellationToken)
    {
        if (!request.HasJsonContentType()) return UnsupportedMediaType("application/json").ToProblem();
        var parsed = await ImportParser.ParseAsync(request.Body, options.Value.MaxRecordsPerBook, cancellationToken);
        if (!parsed.IsOk) return parsed.Error.ToProblem();
        var imported = await books.ImportAsync(user, parsed.Value, cancellationToken);
        return imported.IsOk ? TypedResults.Created($"/api/books/{imported.Value.Id}", imported.Value) : imported.Error.ToProblem();
    }

    public static async Task<Results<Ok<SyncResult>, ProblemHttpResult>> ImportCsv(
        long bookId, [FromQuery(Name = "format")] string? format, [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey,
        HttpContext http, CurrentUser user, BookService books, IOptions<SyncOptions> options, CancellationToken cancellationToken)
    {
        if (format != "csv") return ApiError.Validation("format", "must be csv (a JSON export is imported as a new book: POST /api/books/import)").ToProblem();
        if (!IsCsv(http.Request.ContentType)) return UnsupportedMediaType("text/csv").ToProblem();
        if (idempotencyKey is not { Length: > 0 and <= SyncParser.MaxSyncIdLength })
        {
            return ApiError.Validation("Idempotency-Key", $"header is required: 1 to {SyncParser.MaxSyncIdLength} characters, the import's syncId").ToProblem();
        }

        var parsed = await CsvImportParser.ParseAsync(http.Request.Body, idempotencyKey, options.Value.MaxRecordsPerSync, cancellationToken);
        if (!parsed.IsOk) return parsed.Error.ToProblem();
        var synced = await books.SyncAsync(bookId, user, parsed.Value.Request, origin: null, cancellationToken);
        if (!synced.IsOk) return parsed.Value.ByRow(synced.Error).ToProblem();
        if (synced.Value.Replayed) http.Response.Headers["Idempotent-Replayed"] = "true";
        return TypedResults.Ok(synced.Value);
    }

    // text/csv, in UTF-8 when a charset is named.
    private static bool IsCsv(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var media)
        && string.Equals(media.MediaType, "text/csv", StringComparison.OrdinalIgnoreCase)
        && (media.CharSet is null || string.Equals(media.CharSet.Trim('"'), "utf-8", StringComparison.OrdinalIgnoreCase));

    private static ApiError UnsupportedMediaType(string mediaType) =>
        new(StatusCodes.Status415UnsupportedMediaType, ErrorCodes.UnsupportedMediaType, $"Send the body as {mediaType}.");
}
