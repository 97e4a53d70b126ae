using System.Net;
using System.Net.Http.Json;
using BillHolder.Tests.Realtime;

namespace BillHolder.Tests.Infrastructure;

public sealed class RequestLoggingTests(BillHolderServer server) : IClassFixture<BillHolderServer>
{
    public const string RequestCategory = "Serilog.AspNetCore.RequestLoggingMiddleware";

    [Fact]
    public async Task Requests_AreLoggedOneLineEach_WithMethodPathStatusAndTime()
    {
        var user = await server.NewUserAsync();
        await (await user.Http.GetAsync("/api/me?probe=1")).ReadJsonAsync(HttpStatusCode.OK);

        var line = Assert.Single(server.Logs.Entries, e => e.Category == RequestCategory && e.Text.Contains("GET /api/me"));
        Assert.Matches(@"^HTTP GET /api/me responded 200 in \d+\.\d ms$", line.Text);
    }

    [Fact]
    public async Task Secrets_NeverReachTheLogs_NotEvenTheHubsQueryStringToken()
    {
        var user = await SecretLogging.UseSecretsAsync(server);

        var entries = server.Logs.Entries;
        SecretLogging.AssertAbsent(entries, user);
        // At the default levels nothing even mentions the query string.
        Assert.DoesNotContain(entries, e => e.Line.Contains("access_token"));
    }
}

// With the documented per-namespace override, ASP.NET Core's own lines (full URLs) are on: masking must hold.
public sealed class SecretsAtAspNetCoreInformationTests(SecretLogging.AspNetCoreAtInformation fixture)
    : IClassFixture<SecretLogging.AspNetCoreAtInformation>
{
    [Fact]
    public async Task Tokens_AreMasked_WhenTheFrameworkLogsFullUrls()
    {
        var user = await SecretLogging.UseSecretsAsync(fixture.Server);
        var entries = fixture.Server.Logs.Entries;
        SecretLogging.AssertAbsent(entries, user);
    }
}

public sealed class SecretsAtVerboseTests(SecretLogging.EverythingAtVerbose fixture) : IClassFixture<SecretLogging.EverythingAtVerbose>
{
    [Fact]
    public async Task Tokens_AreMasked_EvenWithEveryCategoryAtVerbose()
    {
        var user = await SecretLogging.UseSecretsAsync(fixture.Server);
        var entries = fixture.Server.Logs.Entries;
        SecretLogging.AssertAbsent(entries, user);
        Assert.Contains(entries, e => e.Line.Contains("access_token=***"));
    }
}

public static class SecretLogging
{
    public sealed class AspNetCoreAtInformation : IAsyncLifetime
    {
        public BillHolderServer Server { get; } = new();

        public Task InitializeAsync()
        {
            Server.Settings["Serilog:MinimumLevel:Override:Microsoft.AspNetCore"] = "Information";
            return Server.InitializeAsync();
        }

        public Task DisposeAsync() => Server.DisposeAsync();
    }

    public sealed class EverythingAtVerbose : IAsyncLifetime
    {
        public BillHolderServer Server { get; } = new();

        public Task InitializeAsync()
        {
            Server.Settings["Serilog:MinimumLevel:Default"] = "Verbose";
            Server.Settings["Serilog:MinimumLevel:Override:Microsoft.AspNetCore"] = "Verbose";
            Server.Settings["Serilog:MinimumLevel:Override:Microsoft.AspNetCore.Hosting.Diagnostics"] = "Verbose";
            return Server.InitializeAsync();
        }

        public Task DisposeAsync() => Server.DisposeAsync();
    }

    // The hub with ?access_token= (as browsers must), REST with Authorization: Bearer, a wrong password.
    internal static async Task<UserClient> UseSecretsAsync(BillHolderServer server)
    {
        var user = await server.NewUserAsync();
        await using (var hub = await server.ConnectAsync(user))
        {
            await hub.RoundTripAsync();
        }
        await (await user.Http.GetAsync("/api/me")).ReadJsonAsync(HttpStatusCode.OK);
        await server.Anonymous().PostAsJsonAsync("/api/auth/login", new { username = user.Username, password = "a-wrong-password-123" });
        return user;
    }

    internal static void AssertAbsent(IReadOnlyList<LogEntry> entries, UserClient user)
    {
        Assert.Contains(entries, e => e.Line.Contains("/hubs/books"));
        Assert.Contains(entries, e => e.Line.Contains("GET /api/me responded 200"));
        Assert.DoesNotContain(entries, e => e.Line.Contains(user.Token));
        // Not even the token's signature, nor its payload alone.
        Assert.DoesNotContain(entries, e => user.Token.Split('.').Any(part => part.Length > 20 && e.Line.Contains(part)));
        Assert.DoesNotContain(entries, e => e.Line.Contains("correct-horse-battery") || e.Line.Contains("a-wrong-password-123"));
        Assert.DoesNotContain(entries, e => e.Line.Contains("billholder-dev"));
    }
}
