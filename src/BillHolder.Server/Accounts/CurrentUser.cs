using System.Globalization;
using System.Reflection;
using System.Security.Claims;

namespace BillHolder.Server.Accounts;

// The signed-in caller, from the access token's claims. Binds as a handler parameter on authorized routes.
// Authentication refuses tokens whose claims do not parse (see Sessions.ValidateAsync), so From never fails
// on a principal that got past it.
internal sealed record CurrentUser(long Id, string Username, long SessionId)
{
    public const string IdClaim = "sub";
    public const string NameClaim = "name";
    public const string SessionClaim = "sid";

    public static CurrentUser From(ClaimsPrincipal principal) =>
        TryFrom(principal) ?? throw new InvalidOperationException("The principal lacks the claims authentication requires.");

    public static CurrentUser? TryFrom(ClaimsPrincipal? principal)
    {
        if (principal is null) return null;
        if (!long.TryParse(principal.FindFirstValue(IdClaim), NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id <= 0) return null;
        if (principal.FindFirstValue(NameClaim) is not { Length: > 0 } name) return null;
        if (!long.TryParse(principal.FindFirstValue(SessionClaim), NumberStyles.None, CultureInfo.InvariantCulture, out var sid) || sid <= 0) return null;
        return new CurrentUser(id, name, sid);
    }

    public static ValueTask<CurrentUser?> BindAsync(HttpContext http, ParameterInfo parameter) => ValueTask.FromResult<CurrentUser?>(From(http.User));
}
