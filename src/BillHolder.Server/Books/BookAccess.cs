using System.Data.Common;
using BillHolder.Server.Infrastructure.Database;
using BillHolder.Server.Infrastructure.Errors;
using Dapper;

namespace BillHolder.Server.Books;

// Ordered: a higher role may do everything a lower one may.
internal enum BookRole { Viewer = 0, Editor = 1, Owner = 2 }

internal static class BookRoles
{
    public static string ToWire(this BookRole role) => role switch
    {
        BookRole.Owner => "owner",
        BookRole.Editor => "editor",
        _ => "viewer",
    };

    public static BookRole? Parse(string? value) => value switch
    {
        "owner" => BookRole.Owner,
        "editor" => BookRole.Editor,
        "viewer" => BookRole.Viewer,
        _ => null,
    };
}

// Per-book authorization, the one rule for REST and the hub: non-members learn nothing (404 book_not_found),
// members below the needed role get 403 forbidden.
internal sealed class BookAccess(DbConnectionFactory connections)
{
    private const string SelectRole = "SELECT role FROM book_member WHERE book_id = @BookId AND user_id = @UserId";

    public static ApiError? Check(BookRole? role, BookRole needed) => role switch
    {
        null => ApiError.BookNotFound,
        { } r when r < needed => ApiError.Forbidden($"This needs the {needed.ToWire()} role in this book; you are {r.ToWire()}."),
        _ => null,
    };

    public async Task<ApiError?> CheckAsync(long bookId, long userId, BookRole needed, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        return Check(await RoleOfAsync(connection, null, bookId, userId, cancellationToken), needed);
    }

    public static async Task<BookRole?> RoleOfAsync(DbConnection connection, DbTransaction? transaction, long bookId, long userId,
        CancellationToken cancellationToken) =>
        BookRoles.Parse(await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(SelectRole,
            new { BookId = bookId, UserId = userId }, transaction, cancellationToken: cancellationToken)));
}
