using System.Text.Json;
using BillHolder.Server.Accounts;
using BillHolder.Server.Infrastructure.Errors;
using BillHolder.Server.Infrastructure.Http;
using BillHolder.Server.Realtime;
using BillHolder.Server.Sync;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace BillHolder.Server.Books;

internal static class BooksApi
{
    public static IEndpointRouteBuilder MapBooks(this IEndpointRouteBuilder app)
    {
        var maxBody = app.ServiceProvider.GetRequiredService<IOptions<SyncOptions>>().Value.MaxSyncBodyBytes;
        var books = app.MapGroup("/api/books").RequireAuthorization();
        // Creating and renaming books write like syncs do, so they share the per-user sync rate limit.
        books.MapPost("/", Create).WithBodySizeLimit(maxBody).RequireRateLimiting(SyncApi.RateLimitPolicy);
        books.MapGet("/", List);
        books.MapGet("/{bookId:long}", Get);
        books.MapPatch("/{bookId:long}", Update).RequireRateLimiting(SyncApi.RateLimitPolicy);
        books.MapDelete("/{bookId:long}", Delete);
        books.MapMembers();
        return app;
    }

    public static IHostApplicationBuilder AddBooks(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<BookStore>();
        builder.Services.AddSingleton<MemberStore>();
        builder.Services.AddSingleton<BookAccess>();
        return builder;
    }

    internal sealed record CreatedBookDto(
        long Id, string Name, string? Remark, long Version,
        IEnumerable<Wallet> Wallets, IEnumerable<Bill> Bills, IEnumerable<Transfer> Transfers, IEnumerable<Income> Incomes,
        string CreatedBy, long CreatedAt, string LastEditedBy, long LastEditedAt, IdMapDto IdMap);

    private static async Task<Results<Created<CreatedBookDto>, ProblemHttpResult>> Create(
        [FromBody] JsonElement body, HttpContext http, SyncService sync, IOptions<SyncOptions> options, CancellationToken cancellationToken)
    {
        var parsed = SyncRequestParser.ParseNewBook(body, options.Value.MaxRecordsPerSync);
        if (!parsed.IsValid) return Problems.Validation(parsed.Errors);

        var meta = new BookMetaInput(parsed.Book.Name, parsed.Book.Remark, RemarkSet: true);
        var (created, failure) = await sync.CreateBookAsync(CurrentUser.From(http.User), meta, parsed.Book.Changes, cancellationToken);
        if (failure is not null) return failure.ToProblem();
        var s = created!.Snapshot;
        return TypedResults.Created($"/api/books/{s.Id}", new CreatedBookDto(s.Id, s.Name, s.Remark, s.Version,
            s.Wallets, s.Bills, s.Transfers, s.Incomes, s.CreatedBy, s.CreatedAt, s.LastEditedBy, s.LastEditedAt, created.IdMap));
    }

    private static async Task<Ok<IReadOnlyList<BookListItem>>> List(HttpContext http, BookStore books, CancellationToken cancellationToken) =>
        TypedResults.Ok(await books.ListForUserAsync(CurrentUser.From(http.User).Id, cancellationToken));

    private static async Task<Results<Ok<BookSnapshot>, ProblemHttpResult>> Get(
        long bookId, HttpContext http, BookAccess access, SyncService sync, CancellationToken cancellationToken)
    {
        if (await access.DenyUnlessAsync(bookId, CurrentUser.From(http.User), BookRole.Viewer, cancellationToken) is { } denied) return denied;
        return await sync.SnapshotAsync(bookId, cancellationToken) is { } book ? TypedResults.Ok(book) : Problems.BookNotFound();
    }

    // Name and remark travel as a sync, so the version moves and collaborators see the change live.
    private static async Task<Results<Ok<BookSnapshot>, ProblemHttpResult>> Update(
        long bookId, [FromBody] JsonElement body, HttpContext http, SyncService sync, CancellationToken cancellationToken)
    {
        var (meta, errors) = BookMetaParser.Parse(body);
        if (meta is null) return Problems.Validation(errors);

        var request = new SyncRequest($"patch-{Guid.NewGuid():N}", null, meta, SyncChanges.None);
        var reply = await sync.SyncAsync(bookId, CurrentUser.From(http.User), request, originConnectionId: null, cancellationToken);
        if (reply is SyncReply.Failed failed) return failed.Failure.ToProblem();
        return await sync.SnapshotAsync(bookId, cancellationToken) is { } book ? TypedResults.Ok(book) : Problems.BookNotFound();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(
        long bookId, HttpContext http, BookAccess access, BookStore books, BookLocks locks, BookStateCache cache, BookFanout fanout,
        ILogger<BookStore> logger, CancellationToken cancellationToken)
    {
        var user = CurrentUser.From(http.User);
        if (await access.DenyUnlessAsync(bookId, user, BookRole.Owner, cancellationToken) is { } denied) return denied;
        // Under the book's lock, so a sync finishing meanwhile cannot put the book back into the cache (a read
        // still may; such an entry is never served, as every lookup checks the row first, and ages out).
        using (await locks.LockAsync(bookId, cancellationToken))
        {
            if (!await books.DeleteAsync(bookId, cancellationToken)) return Problems.BookNotFound();
            cache.Remove(bookId);
        }
        fanout.BookDeleted(bookId);
        logger.LogInformation("Deleted book {BookId} by {Username}", bookId, user.Username);
        return TypedResults.NoContent();
    }
}
