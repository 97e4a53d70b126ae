using System.Reflection;
using System.Security.Claims;

namespace BillHolder.Server.Accounts;

// The signed-in caller, from the access token's claims. Binds as a handler parameter on authorized routes.
internal sealed record CurrentUser(long Id, string Username)
{
    public const string IdClaim = "sub";
    public const string NameClaim = "name";

    public static CurrentUser From(ClaimsPrincipal principal) => new(
        long.Parse(principal.FindFirstValue(IdClaim) ?? throw new InvalidOperationException("Token without a subject.")),
        principal.FindFirstValue(NameClaim) ?? throw new InvalidOperationException("Token without a name."));

    public static ValueTask<CurrentUser?> BindAsync(HttpContext http, ParameterInfo parameter) => ValueTask.FromResult<CurrentUser?>(From(http.User));
}
