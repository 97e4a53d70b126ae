using BillHolder.Server.Accounts;
using BillHolder.Server.Books.Storage;
using BillHolder.Server.Infrastructure.Errors;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BillHolder.Server.Books;

// Handlers of /api/books/{bookId}/members; the routes and their roles are in BooksModule.
internal static class MembersApi
{
    internal sealed record RoleBody(string? Role);

    public static async Task<Ok<IReadOnlyList<MemberDto>>> List(long bookId, MemberStore members, CancellationToken cancellationToken) =>
        TypedResults.Ok(await members.ListAsync(bookId, cancellationToken));

    public static async Task<Results<Ok<MemberDto>, ProblemHttpResult>> Put(
        long bookId, string username, RoleBody body, MemberStore members, TimeProvider time, CancellationToken cancellationToken)
    {
        if (BookRoles.Parse(body.Role) is not { } role) return ApiError.Validation("role", "must be one of owner, editor, viewer").ToProblem();

        var (outcome, member) = await members.ChangeAsync(bookId, username, role, time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken);
        return outcome == MembershipOutcome.Done ? TypedResults.Ok(member!) : Failure(outcome, username).ToProblem();
    }

    // The route lets every member in; removing someone other than yourself needs the owner role.
    public static async Task<Results<NoContent, ProblemHttpResult>> Remove(
        long bookId, string username, CurrentUser user, BookAccess access, MemberStore members, IBookEvents events, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var leaving = string.Equals(username, user.Username, StringComparison.OrdinalIgnoreCase);
        if (!leaving && await access.CheckAsync(bookId, user.Id, BookRole.Owner, cancellationToken) is { } denied) return denied.ToProblem();

        var (outcome, member) = await members.ChangeAsync(bookId, username, null, time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken);
        if (outcome != MembershipOutcome.Done) return Failure(outcome, username).ToProblem();
        events.MemberRemoved(bookId, member!.UserId);
        return TypedResults.NoContent();
    }

    private static ApiError Failure(MembershipOutcome outcome, string username) => outcome switch
    {
        MembershipOutcome.UserNotFound => new(StatusCodes.Status404NotFound, ErrorCodes.UserNotFound, $"There is no user '{username}'."),
        MembershipOutcome.MemberNotFound => new(StatusCodes.Status404NotFound, ErrorCodes.MemberNotFound, $"'{username}' is not a member of this book."),
        MembershipOutcome.LastOwner => new(StatusCodes.Status409Conflict, ErrorCodes.LastOwner,
            "A book must keep at least one owner; make someone else owner first."),
        _ => ApiError.BookNotFound,
    };
}
