using System.Net;
using System.Net.Http.Json;
using BillHolder.Tests.Infrastructure;

namespace BillHolder.Tests.Accounts;

// S4: registrations are limited per address and over all addresses (the fixture's defaults raise both).
public sealed class RegistrationLimitTests : IClassFixture<RegistrationLimitTests.Server>
{
    public sealed class Server : IAsyncLifetime
    {
        public BillHolderServer Inner { get; } = new();

        public Task InitializeAsync()
        {
            Inner.Settings["Auth:MaxRegistrationsPerAddress"] = "3";
            Inner.Settings["Auth:MaxRegistrations"] = "5";
            return Inner.InitializeAsync();
        }

        public Task DisposeAsync() => Inner.DisposeAsync();
    }

    private readonly BillHolderServer server;

    public RegistrationLimitTests(Server fixture) => server = fixture.Inner;

    private Task<HttpResponseMessage> RegisterFromAsync(string address, string username)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth/register")
        {
            Content = JsonContent.Create(new { username, password = "password123" }),
        };
        request.Headers.Add(ClientAddressFromHeader.Header, address);
        return server.Anonymous().SendAsync(request);
    }

    // One test, because both limits share the class's server and its global window.
    [Fact]
    public async Task Registration_IsLimitedPerAddress_ThenOverAllAddresses_With429AndRetryAfter()
    {
        string Name() => "r_" + Guid.NewGuid().ToString("N")[..10];
        for (var i = 0; i < 3; i++) await (await RegisterFromAsync("203.0.113.1", Name())).ReadJsonAsync(HttpStatusCode.Created);
        var perAddress = await RegisterFromAsync("203.0.113.1", Name());
        await perAddress.ProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.InRange(perAddress.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 3600);
        // Invalid attempts cost nothing and are not counted; taken names are (they answer a probe).
        await (await RegisterFromAsync("203.0.113.2", "x")).ProblemAsync(HttpStatusCode.UnprocessableEntity, "validation_failed");

        await (await RegisterFromAsync("203.0.113.2", Name())).ReadJsonAsync(HttpStatusCode.Created);
        await (await RegisterFromAsync("203.0.113.3", Name())).ReadJsonAsync(HttpStatusCode.Created);
        var global = await RegisterFromAsync("203.0.113.4", Name());
        await global.ProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.NotNull(global.Headers.RetryAfter);
    }
}
