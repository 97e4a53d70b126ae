using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using BillHolder.Tests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace BillHolder.Tests.Accounts;

// Sessions over REST in tests: sign in again, refresh, log out, and tokens a test shapes itself.
internal static class SessionTestClient
{
    public static async Task<JsonElement> LoginAsync(this BillHolderServer server, string username, string password = UserClient.Password) =>
        await (await server.Anonymous().PostJsonAsync("/api/auth/login", new { username, password })).ReadJsonAsync(HttpStatusCode.OK);

    public static Task<HttpResponseMessage> RefreshAsync(this BillHolderServer server, string refreshToken) =>
        server.Anonymous().PostJsonAsync("/api/auth/refresh", new { refreshToken });

    public static HttpClient WithToken(this BillHolderServer server, string token)
    {
        var http = server.Anonymous();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    public static async Task<HttpStatusCode> MeStatusAsync(this BillHolderServer server, string token) =>
        (await server.WithToken(token).GetAsync("/api/me")).StatusCode;

    public static string Access(this JsonElement tokens) => tokens.GetProperty("accessToken").GetString()!;

    public static string Refresh(this JsonElement tokens) => tokens.GetProperty("refreshToken").GetString()!;

    public static string SessionOf(string accessToken) => new JsonWebToken(accessToken).GetClaim("sid").Value;

    // A token signed with the test server's key, with exactly these claims.
    public static string Signed(DateTime expires, params (string Type, string Value)[] claims) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = "billholder",
        Audience = "billholder",
        IssuedAt = DateTime.UtcNow.AddMinutes(-1),
        NotBefore = DateTime.UtcNow.AddMinutes(-1),
        Expires = expires,
        Subject = new ClaimsIdentity(claims.Select(c => new Claim(c.Type, c.Value))),
        SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(BillHolderServer.SigningKey)), SecurityAlgorithms.HmacSha256),
    });

    public static async Task<HttpResponseMessage> SendJsonAsync(this HttpClient http, HttpMethod method, string url, object body) =>
        await http.SendAsync(new HttpRequestMessage(method, url) { Content = JsonContent.Create(body) });

    // Waits (with a deadline) until the condition holds.
    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"Not within 15 s: {what}");
            await Task.Delay(50);
        }
    }
}
