using System.Text.Json;
using BillHolder.Server.Accounts;
using BillHolder.Server.Books.Engine;
using BillHolder.Server.Books.Parsing;
using BillHolder.Server.Books.Storage;
using BillHolder.Server.Infrastructure.Errors;
using BillHolder.Server.Infrastructure.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace BillHolder.Server.Books;

// Handlers of a book's sync, changes, history and consistency; the routes and their roles are in BooksModule.
internal static class SyncApi
{
    public static async Task<Results<Ok<SyncResult>, ProblemHttpResult>> Sync(
        long bookId, [FromBody] JsonElement body, [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey,
        HttpContext http, CurrentUser user, SyncParser parser, BookService books, CancellationToken cancellationToken)
    {
        var request = parser.ParseSync(body, idempotencyKey);
        if (!request.IsOk) return request.Error.ToProblem();

        var synced = await books.SyncAsync(bookId, user, request.Value, origin: null, cancellationToken);
        if (!synced.IsOk) return synced.Error.ToProblem();
        if (synced.Value.Replayed) http.Response.Headers["Idempotent-Replayed"] = "true";
        return TypedResults.Ok(synced.Value);
    }

    public static async Task<Results<Ok<ChangeSet>, ProblemHttpResult>> Changes(
        long bookId, [FromQuery(Name = "since")] string? sinceText, CurrentUser user, BookService books, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var since = QueryParameters.Integer(sinceText, "since", 0, long.MaxValue, errors);
        if (errors.Count > 0) return ApiError.Validation(errors).ToProblem();
        var changes = await books.ChangesSinceAsync(bookId, user, since, cancellationToken);
        return changes.IsOk ? TypedResults.Ok(changes.Value) : changes.Error.ToProblem();
    }

    public static async Task<Results<Ok<SnapshotPage>, ProblemHttpResult>> Snapshot(
        long bookId, [FromQuery(Name = "cursor")] string? cursor, [FromQuery(Name = "limit")] string? limitText, CurrentUser user,
        BookService books, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var limit = (int?)QueryParameters.Integer(limitText, "limit", 1, SyncOptions.MaxSnapshotPage, errors);
        if (cursor is { Length: > 200 }) errors["cursor"] = ["is not a cursor of this book's snapshot"];
        if (errors.Count > 0) return ApiError.Validation(errors).ToProblem();
        var page = await books.SnapshotPageAsync(bookId, user, cursor, limit ?? SyncOptions.DefaultSnapshotPage, cancellationToken);
        return page.IsOk ? TypedResults.Ok(page.Value) : page.Error.ToProblem();
    }

    public static async Task<Results<Ok<IReadOnlyList<HistoryEntry>>, ProblemHttpResult>> History(
        long bookId, [FromQuery(Name = "before")] string? beforeText, [FromQuery(Name = "limit")] string? limitText,
        ChangeLogStore log, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var before = QueryParameters.Integer(beforeText, "before", 1, long.MaxValue, errors);
        var limit = (int?)QueryParameters.Integer(limitText, "limit", 1, 200, errors);
        if (errors.Count > 0) return ApiError.Validation(errors).ToProblem();
        return TypedResults.Ok(await log.HistoryAsync(bookId, before ?? long.MaxValue, limit ?? 50, cancellationToken));
    }

    public static async Task<Results<Ok<BookReport>, ProblemHttpResult>> Reports(
        long bookId, [FromQuery(Name = "groupBy")] string? groupBy, [FromQuery(Name = "from")] string? fromText,
        [FromQuery(Name = "to")] string? toText, [FromQuery(Name = "tz")] string? tz, CurrentUser user, BookService books,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        ReportGrouping? grouping = groupBy switch
        {
            null or "month" => ReportGrouping.Month,
            "category" => ReportGrouping.Category,
            _ => null,
        };
        if (grouping is null) errors["groupBy"] = ["must be month or category"];
        var from = QueryParameters.Integer(fromText, "from", 0, long.MaxValue, errors);
        var to = QueryParameters.Integer(toText, "to", 0, long.MaxValue, errors);
        if (from is not null && to is not null && to < from) errors["to"] = ["must not be before from"];
        var zone = TimeZones.Find(tz ?? "UTC");
        if (zone is null) errors["tz"] = ["must be an IANA time zone such as Europe/Berlin"];
        if (errors.Count > 0) return ApiError.Validation(errors).ToProblem();

        var report = await books.ReportAsync(bookId, user, new ReportQuery(grouping!.Value, from, to, zone!), cancellationToken);
        return report.IsOk ? TypedResults.Ok(report.Value) : report.Error.ToProblem();
    }

    public static async Task<Results<Ok<ConsistencyReport>, ProblemHttpResult>> Consistency(
        long bookId, BookService books, CancellationToken cancellationToken)
    {
        // Straight from the database, not the cache: this endpoint exists to check what is stored.
        var book = await books.StoredAsync(bookId, cancellationToken);
        if (book is null) return ApiError.BookNotFound.ToProblem();
        var wallets = BookBalances.Recompute(book)
            .Select(c => new WalletConsistency(c.WalletId, book.Wallets[c.WalletId].Name, c.Stored, c.Recomputed ?? 0, c.Consistent))
            .ToList();
        return TypedResults.Ok(new ConsistencyReport(bookId, book.Version, wallets.All(w => w.Ok), wallets));
    }
}
