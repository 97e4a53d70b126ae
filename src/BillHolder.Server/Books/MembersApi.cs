using BillHolder.Server.Accounts;
using BillHolder.Server.Infrastructure.Errors;
using BillHolder.Server.Realtime;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BillHolder.Server.Books;

internal static class MembersApi
{
    public static RouteGroupBuilder MapMembers(this RouteGroupBuilder books)
    {
        books.MapGet("/{bookId:long}/members", List);
        books.MapPut("/{bookId:long}/members/{username}", Put);
        books.MapDelete("/{bookId:long}/members/{username}", Remove);
        return books;
    }

    internal sealed record RoleBody(string? Role);

    private static async Task<Results<Ok<IReadOnlyList<MemberDto>>, ProblemHttpResult>> List(
        long bookId, HttpContext http, BookAccess access, MemberStore members, CancellationToken cancellationToken)
    {
        if (await access.DenyUnlessAsync(bookId, CurrentUser.From(http.User), BookRole.Viewer, cancellationToken) is { } denied) return denied;
        return TypedResults.Ok(await members.ListAsync(bookId, cancellationToken));
    }

    private static async Task<Results<Ok<MemberDto>, ProblemHttpResult>> Put(
        long bookId, string username, RoleBody body, HttpContext http, BookAccess access, MemberStore members, TimeProvider time,
        CancellationToken cancellationToken)
    {
        if (await access.DenyUnlessAsync(bookId, CurrentUser.From(http.User), BookRole.Owner, cancellationToken) is { } denied) return denied;
        if (BookRoles.Parse(body.Role) is not { } role) return Problems.Validation("role", "must be one of owner, editor, viewer");

        var (outcome, member) = await members.ChangeAsync(bookId, username, role, time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken);
        return outcome == MembershipOutcome.Done ? TypedResults.Ok(member!) : Failure(outcome, username);
    }

    // Owners remove anyone; any member may remove themselves (leave the book).
    private static async Task<Results<NoContent, ProblemHttpResult>> Remove(
        long bookId, string username, HttpContext http, BookAccess access, MemberStore members, BookFanout fanout, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var user = CurrentUser.From(http.User);
        var leaving = string.Equals(username, user.Username, StringComparison.OrdinalIgnoreCase);
        if (await access.DenyUnlessAsync(bookId, user, leaving ? BookRole.Viewer : BookRole.Owner, cancellationToken) is { } denied) return denied;

        var (outcome, member) = await members.ChangeAsync(bookId, username, null, time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken);
        if (outcome != MembershipOutcome.Done) return Failure(outcome, username);
        fanout.MemberRemoved(bookId, member!.UserId);
        return TypedResults.NoContent();
    }

    private static ProblemHttpResult Failure(MembershipOutcome outcome, string username) => outcome switch
    {
        MembershipOutcome.UserNotFound => Problems.Create(404, ErrorCodes.UserNotFound, $"There is no user '{username}'."),
        MembershipOutcome.MemberNotFound => Problems.Create(404, ErrorCodes.MemberNotFound, $"'{username}' is not a member of this book."),
        MembershipOutcome.LastOwner => Problems.Create(409, ErrorCodes.LastOwner, "A book must keep at least one owner; make someone else owner first."),
        _ => Problems.BookNotFound(),
    };
}
