using BillHolder.Server.Infrastructure.Errors;

namespace BillHolder.Server.Accounts;

// What must go before an account does, in features Accounts cannot see. Books implements it (memberships, and
// the books the account alone belongs to, deleted the normal way); Accounts then removes the account itself.
// A refusal (e.g. 409 last_owner) is answered as is, and nothing has been removed.
internal interface IAccountDeletion
{
    Task<ApiError?> ReleaseAsync(CurrentUser user, CancellationToken cancellationToken);
}
