using System.Text.Json;
using BillHolder.Server.Accounts;
using BillHolder.Server.Books.Parsing;
using BillHolder.Server.Books.Storage;
using BillHolder.Server.Infrastructure.Errors;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace BillHolder.Server.Books;

// Handlers of /api/books and /api/books/{bookId}; the routes and their roles are in BooksModule.
internal static class BooksApi
{
    public static async Task<Results<Created<CreatedBook>, ProblemHttpResult>> Create(
        [FromBody] JsonElement body, CurrentUser user, SyncParser parser, BookService books, CancellationToken cancellationToken)
    {
        var parsed = parser.ParseNewBook(body);
        if (!parsed.IsOk) return parsed.Error.ToProblem();
        var created = await books.CreateAsync(user, parsed.Value, cancellationToken);
        return created.IsOk ? TypedResults.Created($"/api/books/{created.Value.Id}", created.Value) : created.Error.ToProblem();
    }

    public static async Task<Ok<IReadOnlyList<BookListItem>>> List(CurrentUser user, BookStore books, CancellationToken cancellationToken) =>
        TypedResults.Ok(await books.ListForUserAsync(user.Id, cancellationToken));

    public static async Task<Results<Ok<BookSnapshot>, ProblemHttpResult>> Get(long bookId, BookService books, CancellationToken cancellationToken) =>
        await books.SnapshotAsync(bookId, cancellationToken) is { } book ? TypedResults.Ok(book) : ApiError.BookNotFound.ToProblem();

    public static async Task<Results<Ok<BookSnapshot>, ProblemHttpResult>> Update(
        long bookId, [FromBody] JsonElement body, CurrentUser user, BookService books, CancellationToken cancellationToken)
    {
        var meta = SyncParser.ParseBookMeta(body);
        if (!meta.IsOk) return meta.Error.ToProblem();
        var updated = await books.UpdateAsync(bookId, user, meta.Value, cancellationToken);
        return updated.IsOk ? TypedResults.Ok(updated.Value) : updated.Error.ToProblem();
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> Delete(
        long bookId, CurrentUser user, BookService books, CancellationToken cancellationToken) =>
        await books.DeleteAsync(bookId, user, cancellationToken) is { } error ? error.ToProblem() : TypedResults.NoContent();
}
