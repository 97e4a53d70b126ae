using System.Security.Claims;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace BillHolder.Server.Accounts;

internal sealed class TokenIssuer(IOptions<AuthOptions> options, TimeProvider time)
{
    private readonly JsonWebTokenHandler _handler = new();

    public static SymmetricSecurityKey KeyFrom(AuthOptions options) => new(Encoding.UTF8.GetBytes(options.SigningKey));

    public TokenResponse Issue(long userId, string username)
    {
        var settings = options.Value;
        var now = time.GetUtcNow();
        var expires = now.AddMinutes(settings.AccessTokenMinutes);
        var token = _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = settings.Issuer,
            Audience = settings.Audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            Subject = new ClaimsIdentity([
                new Claim(CurrentUser.IdClaim, userId.ToString()),
                new Claim(CurrentUser.NameClaim, username),
            ]),
            SigningCredentials = new SigningCredentials(KeyFrom(settings), SecurityAlgorithms.HmacSha256),
        });
        return new TokenResponse(token, expires);
    }
}

internal sealed record TokenResponse(string AccessToken, DateTimeOffset ExpiresAt);
