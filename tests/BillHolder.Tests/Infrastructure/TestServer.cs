using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Serilog.Core;

namespace BillHolder.Tests.Infrastructure;

// A real server (in memory) over its own real database. Tests override configuration only.
public sealed class BillHolderServer : IAsyncLifetime
{
    public const string SigningKey = "test-signing-key-0123456789-abcdefghijklmnopqrstuvwxyz";

    private TestDatabase? _database;
    private Factory? _factory;
    private int _users;

    internal TestDatabase Database => _database!;

    public WebApplicationFactory<Program> App => _factory!;

    // Settings a test class wants on top of the defaults (set before InitializeAsync runs). Every test registers
    // users from one address, so the registration limits are raised here; RegistrationLimitTests lowers them.
    public Dictionary<string, string?> Settings { get; } = new()
    {
        ["Auth:MaxRegistrationsPerAddress"] = "1000000",
        ["Auth:MaxRegistrations"] = "1000000",
    };

    // A database another fixture owns (several instances on one database: ServerCluster); null: this server makes its own.
    internal TestDatabase? SharedDatabase { get; init; }

    // How the server reaches its database, when a test puts something in between (a relay it can cut).
    internal Func<string, string> RouteToDatabase { get; set; } = connectionString => connectionString;

    // Every log event the server writes to its console, for tests of what gets logged.
    internal LogCapture Logs { get; } = new();

    public async Task InitializeAsync()
    {
        _database = SharedDatabase ?? await TestDatabase.CreateAsync();
        _factory = new Factory(this);
        await WaitUntilReadyAsync(_factory.CreateClient());
    }

    public async Task DisposeAsync()
    {
        if (_factory is not null) await _factory.DisposeAsync();
        if (_database is not null && SharedDatabase is null) await _database.DisposeAsync();
    }

    public HttpClient Anonymous() => _factory!.CreateClient();

    // Registers and logs in a fresh user whose name no other test uses.
    public async Task<UserClient> NewUserAsync(string prefix = "user")
    {
        var username = $"{prefix}{Interlocked.Increment(ref _users)}_{Guid.NewGuid().ToString("N")[..6]}";
        if (username.Length > 32) username = username[..32];
        const string password = "correct-horse-battery";
        var http = Anonymous();
        var registered = await http.PostAsJsonAsync("/api/auth/register", new { username, password });
        registered.EnsureSuccessStatusCode();
        var login = await http.PostAsJsonAsync("/api/auth/login", new { username, password });
        login.EnsureSuccessStatusCode();
        var tokens = await login.Content.ReadFromJsonAsync<JsonElement>();
        var token = tokens.GetProperty("accessToken").GetString()!;
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var id = (await registered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        return new UserClient(id, username, token, http) { RefreshToken = tokens.GetProperty("refreshToken").GetString()! };
    }

    internal static async Task WaitUntilReadyAsync(HttpClient client)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var response = await client.GetAsync("/health/ready");
            if (response.IsSuccessStatusCode) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Server not ready: {await response.Content.ReadAsStringAsync()}");
            await Task.Delay(100);
        }
    }

    private sealed class Factory(BillHolderServer owner) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Testing");
            builder.UseSetting("ConnectionStrings:BillHolder", owner.RouteToDatabase(owner.Database.ConnectionString));
            builder.UseSetting("Auth:SigningKey", SigningKey);
            foreach (var (key, value) in owner.Settings) builder.UseSetting(key, value);
            builder.ConfigureTestServices(services =>
            {
                services.AddSingleton<ILogEventSink>(owner.Logs);
                services.AddSingleton<IStartupFilter, ClientAddressFromHeader>();
            });
        }
    }
}

// Test-only: lets a request choose the client address (TestServer has none), for throttles keyed on it.
internal sealed class ClientAddressFromHeader : IStartupFilter
{
    public const string Header = "X-Test-Client-Address";

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(async (http, nextMiddleware) =>
        {
            if (http.Request.Headers[Header] is [{ } address]) http.Connection.RemoteIpAddress = System.Net.IPAddress.Parse(address);
            await nextMiddleware(http);
        });
        next(app);
    };
}

public sealed record UserClient(long Id, string Username, string Token, HttpClient Http)
{
    public const string Password = "correct-horse-battery";

    public string RefreshToken { get; init; } = "";
}
