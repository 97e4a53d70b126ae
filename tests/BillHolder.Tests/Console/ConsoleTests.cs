using System.Net;
using BillHolder.Tests.Infrastructure;

namespace BillHolder.Tests.Console;

// The web console's files and headers; scripts/browser.sh drives the console itself in Chromium.
public sealed class ConsoleTests(BillHolderServer server) : IClassFixture<BillHolderServer>
{
    [Theory]
    [InlineData("/", "text/html")]
    [InlineData("/js/main.js", "text/javascript")]
    [InlineData("/console.css", "text/css")]
    [InlineData("/vendor/signalr.min.js", "text/javascript")]
    public async Task ConsoleFiles_AreServedWithAStrictContentSecurityPolicy(string path, string contentType)
    {
        var response = await server.Anonymous().GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(contentType, response.Content.Headers.ContentType?.MediaType);
        var policy = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
        var directives = policy.Split(';', StringSplitOptions.TrimEntries);
        Assert.Contains("default-src 'self'", directives);
        Assert.Contains("script-src 'self'", directives);
        Assert.Contains("style-src 'self'", directives);
        Assert.Contains("frame-ancestors 'none'", directives);
        Assert.Contains(directives, d => d.StartsWith("connect-src 'self' ws://", StringComparison.Ordinal));
        Assert.DoesNotContain("unsafe", policy);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("no-cache", response.Headers.CacheControl?.ToString());
    }

    [Fact]
    public async Task ApiAnswers_KeepNoStoreAndCarryNoConsolePolicy()
    {
        var response = await server.Anonymous().GetAsync("/api/books");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.True(response.Headers.CacheControl?.NoStore);
        Assert.False(response.Headers.Contains("Content-Security-Policy"));
    }

    [Theory]
    [InlineData("/api/nothing")]
    [InlineData("/hubs/nothing")]
    [InlineData("/health/nothing")]
    [InlineData("/books/12")]
    [InlineData("/vendor/")]
    public async Task UnknownRoutes_StayProblems_NoConsoleFallback(string path)
    {
        var response = await server.Anonymous().GetAsync(path);
        await response.ProblemAsync(HttpStatusCode.NotFound, "not_found");
        Assert.False(response.Headers.Contains("Content-Security-Policy"));
    }

    [Fact]
    public async Task ConsolePolicy_NamesTheSocketsOfAValidHostOnly()
    {
        Assert.EndsWith("connect-src 'self' ws://example.test:5080 wss://example.test:5080; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
            BillHolder.Server.Console.ConsoleModule.PolicyFor(new Microsoft.AspNetCore.Http.HostString("example.test:5080")));
        Assert.Contains("connect-src 'self';", BillHolder.Server.Console.ConsoleModule.PolicyFor(new Microsoft.AspNetCore.Http.HostString("evil; script-src *")));
    }
}
