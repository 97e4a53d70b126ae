using BillHolder.Server.Accounts;
using BillHolder.Server.Books.Storage;
using BillHolder.Server.Infrastructure.Errors;

namespace BillHolder.Server.Books;

// What an account deletion means for books (Accounts asks through IAccountDeletion, as it cannot see books):
// shared books lose the member, books it alone belonged to are deleted through BookService like any deletion
// (book lock, BookClosed to open connections, cache), and a book it is the only owner of while others belong to
// it stops the deletion: ownership must be transferred first.
internal sealed class AccountBooks(MemberStore members, BookService books, IBookEvents events) : IAccountDeletion
{
    public async Task<ApiError?> ReleaseAsync(CurrentUser user, CancellationToken cancellationToken)
    {
        var release = await members.ReleaseUserAsync(user.Id, cancellationToken);
        if (release.Blocked.Count > 0)
        {
            return new ApiError(StatusCodes.Status409Conflict, ErrorCodes.LastOwner,
                "You are the only owner of books others belong to; make someone else owner of each first.",
                new Dictionary<string, object?> { ["books"] = release.Blocked.Select(b => new { id = b.Id, name = b.Name }).ToList() });
        }
        foreach (var bookId in release.Left) events.MemberRemoved(bookId, user.Id);
        foreach (var bookId in release.Alone)
        {
            // Someone may have joined (by invite) since; the deletion is the owner's own and stands as asked.
            await books.DeleteAsync(bookId, user, cancellationToken);
        }
        return null;
    }
}
