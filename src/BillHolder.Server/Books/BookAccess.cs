using System.Data.Common;
using BillHolder.Server.Accounts;
using BillHolder.Server.Infrastructure.Database;
using BillHolder.Server.Infrastructure.Errors;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BillHolder.Server.Books;

// Per-book authorization: non-members learn nothing (404), members below the needed role get 403.
internal sealed class BookAccess(DbConnectionFactory connections)
{
    private const string SelectRole = "SELECT role FROM book_member WHERE book_id = @BookId AND user_id = @UserId";

    public async Task<BookRole?> RoleOfAsync(long bookId, long userId, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        return await RoleOfAsync(connection, null, bookId, userId, cancellationToken);
    }

    public static async Task<BookRole?> RoleOfAsync(DbConnection connection, DbTransaction? transaction, long bookId, long userId,
        CancellationToken cancellationToken) =>
        BookRoles.Parse(await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(SelectRole,
            new { BookId = bookId, UserId = userId }, transaction, cancellationToken: cancellationToken)));

    // Null when the user may go ahead; otherwise the problem to answer.
    public async Task<ProblemHttpResult?> DenyUnlessAsync(long bookId, CurrentUser user, BookRole needed, CancellationToken cancellationToken)
    {
        var role = await RoleOfAsync(bookId, user.Id, cancellationToken);
        return Deny(role, needed);
    }

    public static ProblemHttpResult? Deny(BookRole? role, BookRole needed) => role switch
    {
        null => Problems.BookNotFound(),
        { } r when r < needed => Problems.Forbidden($"This needs the {needed.ToWire()} role in this book; you are {r.ToWire()}."),
        _ => null,
    };
}
