using System.Security.Claims;

namespace BillHolder.Server.Accounts;

internal sealed record CurrentUser(long Id, string Username)
{
    public const string IdClaim = "sub";
    public const string NameClaim = "name";

    public static CurrentUser From(ClaimsPrincipal principal) => new(
        long.Parse(principal.FindFirstValue(IdClaim) ?? throw new InvalidOperationException("Token without a subject.")),
        principal.FindFirstValue(NameClaim) ?? throw new InvalidOperationException("Token without a name."));
}
