using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace BillHolder.Tests.Infrastructure;

public sealed partial class ApiDocsTests(BillHolderServer server) : IClassFixture<BillHolderServer>
{
    // Not REST routes: the hub, the documents themselves, the scrape endpoint.
    private static readonly string[] NotRest = ["/hubs", "/openapi", "/docs", "/metrics"];

    [Fact]
    public async Task OpenApiDocument_DescribesEveryMappedRestRoute()
    {
        var paths = (await DocumentAsync()).GetProperty("paths");
        var endpoints = server.App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        var missing = new List<string>();
        var checkedRoutes = 0;
        foreach (var endpoint in endpoints)
        {
            var pattern = "/" + (endpoint.RoutePattern.RawText ?? "").Trim('/');
            // Static files and client-side fallbacks are catch-alls or carry static-asset metadata: not REST routes.
            if (NotRest.Any(prefix => pattern == prefix || pattern.StartsWith(prefix + "/", StringComparison.Ordinal))
                || pattern.Contains("{*", StringComparison.Ordinal)
                || endpoint.Metadata.Any(m => m.GetType().Namespace?.StartsWith("Microsoft.AspNetCore.StaticAssets", StringComparison.Ordinal) == true))
            {
                continue;
            }
            var path = Constraint().Replace(pattern, "{$1}");
            var methods = endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? ["GET"];
            foreach (var method in methods)
            {
                checkedRoutes++;
                if (!paths.TryGetProperty(path, out var item) || !item.TryGetProperty(method.ToLowerInvariant(), out _)) missing.Add($"{method} {path}");
            }
        }
        Assert.True(missing.Count == 0, "Routes missing from /openapi/v1.json: " + string.Join(", ", missing));
        // The comparison saw the route table (a filter that skipped everything would pass vacuously).
        Assert.True(checkedRoutes >= 25, $"only {checkedRoutes} routes compared");
        Assert.True(paths.TryGetProperty("/health/ready", out _));
    }

    [Fact]
    public async Task OpenApiDocument_DescribesTheSyncBodyItsAnswerAndItsProblemCodes()
    {
        var document = await DocumentAsync();
        var sync = document.GetProperty("paths").GetProperty("/api/books/{bookId}/sync").GetProperty("post");

        var body = Resolve(document, sync.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema"));
        var properties = body.GetProperty("properties");
        foreach (var name in new[] { "syncId", "baseVersion", "book", "wallets", "bills", "transfers", "incomes" }) Assert.True(properties.TryGetProperty(name, out _), name);
        var bill = Resolve(document, properties.GetProperty("bills").GetProperty("items")).GetProperty("properties");
        Assert.Equal("integer", bill.GetProperty("amount").GetProperty("type").EnumerateArray().First(t => t.GetString() != "null").GetString());

        var answer = Resolve(document, sync.GetProperty("responses").GetProperty("200").GetProperty("content").GetProperty("application/json").GetProperty("schema"));
        foreach (var name in new[] { "version", "applied", "idMap", "changes", "conflicts", "replayed" }) Assert.True(answer.GetProperty("properties").TryGetProperty(name, out _), name);

        Assert.Equal(["sync_id_reused", "unknown_wallet", "wallet_in_use"], Codes(sync, "409"));
        Assert.Equal(["validation_failed"], Codes(sync, "422"));
        Assert.Equal(["book_not_found"], Codes(sync, "404"));
        Assert.Equal(["forbidden"], Codes(sync, "403"));
        Assert.Equal(["rate_limited"], Codes(sync, "429"));
        Assert.Equal(["payload_too_large"], Codes(sync, "413"));
        Assert.Contains("`unknown_wallet`", sync.GetProperty("responses").GetProperty("409").GetProperty("description").GetString());
        var problem = document.GetProperty("components").GetProperty("schemas").GetProperty("Problem").GetProperty("properties");
        Assert.True(problem.TryGetProperty("code", out _));
        Assert.True(problem.TryGetProperty("errors", out _));
    }

    [Fact]
    public async Task OpenApiDocument_DescribesLoginBookCreationAndTheBook()
    {
        var document = await DocumentAsync();
        var paths = document.GetProperty("paths");

        var login = paths.GetProperty("/api/auth/login").GetProperty("post");
        var credentials = Resolve(document, login.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema"));
        Assert.True(credentials.GetProperty("properties").TryGetProperty("password", out _));
        var tokens = Resolve(document, login.GetProperty("responses").GetProperty("200").GetProperty("content").GetProperty("application/json").GetProperty("schema"));
        Assert.True(tokens.GetProperty("properties").TryGetProperty("refreshToken", out _));
        Assert.Equal(["invalid_credentials"], Codes(login, "401"));

        var create = paths.GetProperty("/api/books").GetProperty("post");
        var newBook = Resolve(document, create.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema"));
        Assert.True(newBook.GetProperty("properties").TryGetProperty("wallets", out _));
        Assert.Contains("name", newBook.GetProperty("required").EnumerateArray().Select(r => r.GetString()));
        Assert.True(create.GetProperty("responses").TryGetProperty("201", out _));

        var book = Resolve(document, paths.GetProperty("/api/books/{bookId}").GetProperty("get").GetProperty("responses").GetProperty("200")
            .GetProperty("content").GetProperty("application/json").GetProperty("schema"));
        Assert.True(book.GetProperty("properties").TryGetProperty("wallets", out _));
        Assert.True(book.GetProperty("properties").TryGetProperty("version", out _));
    }

    [Fact]
    public async Task OpenApiDocument_DeclaresTheBearerScheme_OnSignedInRoutesOnly()
    {
        var document = await DocumentAsync();
        var bearer = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("Bearer");
        Assert.Equal("http", bearer.GetProperty("type").GetString());
        Assert.Equal("bearer", bearer.GetProperty("scheme").GetString());
        Assert.Equal("JWT", bearer.GetProperty("bearerFormat").GetString());

        var paths = document.GetProperty("paths");
        var list = paths.GetProperty("/api/books").GetProperty("get");
        Assert.True(list.GetProperty("security")[0].TryGetProperty("Bearer", out _));
        Assert.Equal(["unauthorized"], Codes(list, "401"));
        Assert.False(paths.GetProperty("/api/auth/login").GetProperty("post").TryGetProperty("security", out _));
    }

    [Fact]
    public async Task Docs_ServesScalarFromThisServer_UnderAPolicyThatAllowsNoOtherHost()
    {
        var http = server.Anonymous();
        var page = await http.GetAsync("/docs/");
        var html = await page.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);

        var policy = string.Join(";", page.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'none'", policy);
        Assert.DoesNotContain("http", policy);
        // The inline start-up script runs by its nonce, and only this answer's nonce.
        var nonce = Regex.Match(policy, "'nonce-([^']+)'").Groups[1].Value;
        Assert.NotEmpty(nonce);
        var scripts = Regex.Matches(html, "<script([^>]*)>").Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(scripts);
        Assert.All(scripts, script => Assert.Contains($"nonce=\"{nonce}\"", script));
        Assert.DoesNotContain("://", string.Join(" ", scripts));
        Assert.DoesNotContain("<link", html);
        Assert.Contains("\"withDefaultFonts\":false", html);
        Assert.Contains("\"telemetry\":false", html);

        var bundle = await http.GetAsync("/docs/scalar.js");
        Assert.Equal(HttpStatusCode.OK, bundle.StatusCode);
        Assert.True((await bundle.Content.ReadAsByteArrayAsync()).Length > 100_000);
    }

    [Fact]
    public async Task DocsDisabled_TurnsOffTheDocumentAndTheReference()
    {
        await using var app = ExtraHost.Create(server.Database.ConnectionString, ("Docs:Enabled", "false"));
        var http = app.CreateClient();
        await BillHolderServer.WaitUntilReadyAsync(http);
        await (await http.GetAsync("/openapi/v1.json")).ProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await http.GetAsync("/docs/")).ProblemAsync(HttpStatusCode.NotFound, "not_found");
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/live")).StatusCode);
    }

    private async Task<JsonElement> DocumentAsync() =>
        await (await server.Anonymous().GetAsync("/openapi/v1.json")).ReadJsonAsync(HttpStatusCode.OK);

    private static JsonElement Resolve(JsonElement document, JsonElement schema) =>
        schema.TryGetProperty("$ref", out var reference)
            ? document.GetProperty("components").GetProperty("schemas").GetProperty(reference.GetString()!.Split('/').Last())
            : schema;

    // The codes a problem response lists: allOf [Problem, {code: {enum}}].
    private static string[] Codes(JsonElement operation, string status) =>
        [.. operation.GetProperty("responses").GetProperty(status).GetProperty("content").GetProperty("application/problem+json")
            .GetProperty("schema").GetProperty("allOf")[1].GetProperty("properties").GetProperty("code").GetProperty("enum")
            .EnumerateArray().Select(c => c.GetString()!)];

    [GeneratedRegex(@"\{([A-Za-z]+):[^}]+\}")]
    private static partial Regex Constraint();
}
