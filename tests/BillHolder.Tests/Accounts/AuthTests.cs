using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using BillHolder.Tests.Infrastructure;
using System.Net.Http.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace BillHolder.Tests.Accounts;

public sealed class AuthTests(BillHolderServer server) : IClassFixture<BillHolderServer>
{
    [Fact]
    public async Task Register_Returns201WithIdAndUsername()
    {
        var username = "reg_" + Guid.NewGuid().ToString("N")[..8];
        var body = await (await server.Anonymous().PostJsonAsync("/api/auth/register", new { username, password = "password123" }))
            .ReadJsonAsync(HttpStatusCode.Created);
        Assert.True(body.GetProperty("id").GetInt64() > 0);
        Assert.Equal(username, body.GetProperty("username").GetString());
    }

    [Fact]
    public async Task Register_TakenUsername_Returns409_EvenInAnotherCase()
    {
        var user = await server.NewUserAsync();
        var again = await server.Anonymous().PostJsonAsync("/api/auth/register", new { username = user.Username.ToUpperInvariant(), password = "password123" });
        await again.ProblemAsync(HttpStatusCode.Conflict, "username_taken");
    }

    [Theory]
    [InlineData("ab", "password123", "username")]
    [InlineData("has space", "password123", "username")]
    [InlineData("thirty-three-characters-long-name", "password123", "username")]
    [InlineData("valid_name", "short", "password")]
    [InlineData(null, null, "password,username")]
    public async Task Register_InvalidInput_Returns422WithErrorsByField(string? username, string? password, string keys)
    {
        var problem = await (await server.Anonymous().PostJsonAsync("/api/auth/register", new { username, password }))
            .ProblemAsync(HttpStatusCode.UnprocessableEntity, "validation_failed");
        Assert.Equal(keys.Split(','), problem.ErrorKeys());
    }

    [Fact]
    public async Task Register_PasswordOf129Characters_IsRejected()
    {
        var problem = await (await server.Anonymous().PostJsonAsync("/api/auth/register", new { username = "longpass", password = new string('p', 129) }))
            .ProblemAsync(HttpStatusCode.UnprocessableEntity, "validation_failed");
        Assert.Equal(["password"], problem.ErrorKeys());
    }

    [Fact]
    public async Task Login_ReturnsTokenThatOpensMe()
    {
        var user = await server.NewUserAsync();
        var me = await (await user.Http.GetAsync("/api/me")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(user.Id, me.GetProperty("id").GetInt64());
        Assert.Equal(user.Username, me.GetProperty("username").GetString());
    }

    [Fact]
    public async Task Login_ExpiresAtIsInTheFuture()
    {
        var user = await server.NewUserAsync();
        var login = await (await server.Anonymous().PostJsonAsync("/api/auth/login", new { username = user.Username, password = "correct-horse-battery" }))
            .ReadJsonAsync(HttpStatusCode.OK);
        Assert.True(login.GetProperty("expiresAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(1));
    }

    [Fact]
    public async Task Login_WrongPasswordAndUnknownUser_GiveTheSame401()
    {
        var user = await server.NewUserAsync();
        var wrong = await (await server.Anonymous().PostJsonAsync("/api/auth/login", new { username = user.Username, password = "not-the-password" }))
            .ProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        var unknown = await (await server.Anonymous().PostJsonAsync("/api/auth/login", new { username = "nobody_" + Guid.NewGuid().ToString("N")[..8], password = "whatever1" }))
            .ProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        Assert.Equal(wrong.GetProperty("detail").GetString(), unknown.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Login_RepeatedFailures_AreRateLimitedWith429_EvenForTheRightPassword()
    {
        var user = await server.NewUserAsync();
        for (var i = 0; i < 5; i++)
        {
            await (await server.Anonymous().PostJsonAsync("/api/auth/login", new { username = user.Username, password = "wrong-password" }))
                .ProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        }
        var blocked = await server.Anonymous().PostJsonAsync("/api/auth/login", new { username = user.Username, password = "correct-horse-battery" });
        await blocked.ProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.True(blocked.Headers.RetryAfter is not null);
    }

    [Fact]
    public async Task Login_Lockout_IsPerAddress_SoAnAttackerCannotLockTheOwnerOutOfTheirDevice()
    {
        var user = await server.NewUserAsync();
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await LoginFromAsync("203.0.113.7", user.Username, "wrong-password")).StatusCode);
        }
        await (await LoginFromAsync("203.0.113.7", user.Username, "correct-horse-battery")).ProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        await (await LoginFromAsync("198.51.100.20", user.Username, "correct-horse-battery")).ReadJsonAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Login_ParallelGuesses_CannotSlipPastTheThrottle()
    {
        var user = await server.NewUserAsync();
        var answers = await Task.WhenAll(Enumerable.Range(0, 30).Select(_ =>
            Task.Run(() => LoginFromAsync("203.0.113.50", user.Username, "wrong-password"))));
        Assert.Equal(5, answers.Count(a => a.StatusCode == HttpStatusCode.Unauthorized));
        Assert.Equal(25, answers.Count(a => a.StatusCode == HttpStatusCode.TooManyRequests));
    }

    [Theory]
    [InlineData(" ")]
    [InlineData("  ")]
    public async Task Login_NameVariantsThatTheDatabaseWouldMatch_AreRefused(string suffix)
    {
        var user = await server.NewUserAsync();
        await (await server.Anonymous().PostJsonAsync("/api/auth/login", new { username = user.Username + suffix, password = "correct-horse-battery" }))
            .ProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        await (await server.Anonymous().PostJsonAsync("/api/auth/login", new { username = "\u00e1" + user.Username[1..], password = "correct-horse-battery" }))
            .ProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
    }

    [Fact]
    public async Task Login_RateLimitProblem_HasATypeLikeEveryOtherProblem()
    {
        var user = await server.NewUserAsync();
        for (var i = 0; i < 5; i++) await LoginFromAsync("192.0.2.99", user.Username, "wrong-password");
        var blocked = await (await LoginFromAsync("192.0.2.99", user.Username, "wrong-password")).ProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.StartsWith("https://", blocked.GetProperty("type").GetString());
    }

    private Task<HttpResponseMessage> LoginFromAsync(string address, string username, string password)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth/login") { Content = JsonContent.Create(new { username, password }) };
        request.Headers.Add(ClientAddressFromHeader.Header, address);
        return server.Anonymous().SendAsync(request);
    }

    [Fact]
    public async Task Me_WithoutToken_Returns401Problem()
    {
        await (await server.Anonymous().GetAsync("/api/me")).ProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task Me_WithTamperedToken_Returns401()
    {
        var user = await server.NewUserAsync();
        var parts = user.Token.Split('.');
        // Flip one character of the signature.
        var signature = parts[2].ToCharArray();
        signature[5] = signature[5] == 'A' ? 'B' : 'A';
        var tampered = $"{parts[0]}.{parts[1]}.{new string(signature)}";
        await (await WithToken(tampered).GetAsync("/api/me")).ProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task Me_WithExpiredToken_Returns401()
    {
        var user = await server.NewUserAsync();
        var expired = Token(user, BillHolderServer.SigningKey, expires: DateTime.UtcNow.AddMinutes(-5));
        await (await WithToken(expired).GetAsync("/api/me")).ProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
        // The same token shape, still valid, is accepted: the expiry is what failed above.
        var fresh = Token(user, BillHolderServer.SigningKey, expires: DateTime.UtcNow.AddMinutes(5));
        Assert.Equal(HttpStatusCode.OK, (await WithToken(fresh).GetAsync("/api/me")).StatusCode);
    }

    [Fact]
    public async Task Me_WithTokenSignedByAnotherKey_Returns401()
    {
        var user = await server.NewUserAsync();
        var forged = Token(user, "another-key-that-is-long-enough-0123456789-abcdef", expires: DateTime.UtcNow.AddMinutes(5));
        await (await WithToken(forged).GetAsync("/api/me")).ProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }

    private HttpClient WithToken(string token)
    {
        var http = server.Anonymous();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    private static string SessionOf(string token) => new JsonWebToken(token).GetClaim("sid").Value;

    private static string Token(UserClient user, string key, DateTime expires) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = "billholder",
        Audience = "billholder",
        IssuedAt = expires.AddMinutes(-10),
        NotBefore = expires.AddMinutes(-10),
        Expires = expires,
        Subject = new ClaimsIdentity([new Claim("sub", user.Id.ToString()), new Claim("name", user.Username), new Claim("sid", SessionOf(user.Token))]),
        SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)), SecurityAlgorithms.HmacSha256),
    });
}
