using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Options;

namespace BillHolder.Tests.Infrastructure;

// Behind a proxy the client is who the proxy says it is, but only a configured proxy may say so. The registration
// limit per address shows which address the server took: two registrations per address are allowed.
public sealed class ForwardedHeadersTests : IClassFixture<ForwardedHeadersTests.Server>
{
    public const string Proxy = "198.51.100.1";

    public sealed class Server : IAsyncLifetime
    {
        public BillHolderServer Inner { get; } = new();

        public Task InitializeAsync()
        {
            Inner.Settings["Auth:MaxRegistrationsPerAddress"] = "2";
            // One value, the way an environment variable carries it: an address and a network.
            Inner.Settings["Http:KnownProxies"] = $"{Proxy}, 192.0.2.0/24";
            return Inner.InitializeAsync();
        }

        public Task DisposeAsync() => Inner.DisposeAsync();
    }

    private readonly BillHolderServer server;

    public ForwardedHeadersTests(Server fixture) => server = fixture.Inner;

    [Fact]
    public async Task ForwardedFor_FromAnUntrustedPeer_IsIgnored()
    {
        // The peer forges a new address on every request: all of them still count against the peer.
        await (await Register(server, "203.0.113.50", "10.1.0.1")).ReadJsonAsync(HttpStatusCode.Created);
        await (await Register(server, "203.0.113.50", "10.1.0.2")).ReadJsonAsync(HttpStatusCode.Created);
        await (await Register(server, "203.0.113.50", "10.1.0.3")).ProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
    }

    [Fact]
    public async Task ForwardedFor_FromAKnownProxy_IsTheClient()
    {
        await (await Register(server, Proxy, "203.0.113.60")).ReadJsonAsync(HttpStatusCode.Created);
        await (await Register(server, Proxy, "203.0.113.60")).ReadJsonAsync(HttpStatusCode.Created);
        await (await Register(server, Proxy, "203.0.113.60")).ProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        // Another client behind the same proxy has a budget of its own (without the header the proxy would be one client).
        await (await Register(server, Proxy, "203.0.113.61")).ReadJsonAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task ForwardedFor_FromAProxyInAKnownNetwork_IsTheClient()
    {
        await (await Register(server, "192.0.2.17", "203.0.113.70")).ReadJsonAsync(HttpStatusCode.Created);
        await (await Register(server, "192.0.2.18", "203.0.113.70")).ReadJsonAsync(HttpStatusCode.Created);
        await (await Register(server, "192.0.2.19", "203.0.113.70")).ProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
    }

    [Fact]
    public async Task ForwardedFor_OnlyItsLastEntry_IsBelieved()
    {
        // What a client wrote before the proxy's entry is the client's word, not the proxy's.
        await (await Register(server, Proxy, "10.2.0.1, 203.0.113.80")).ReadJsonAsync(HttpStatusCode.Created);
        await (await Register(server, Proxy, "10.2.0.2, 203.0.113.80")).ReadJsonAsync(HttpStatusCode.Created);
        await (await Register(server, Proxy, "10.2.0.3, 203.0.113.80")).ProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
    }

    [Fact]
    public void Boot_WithAKnownProxyThatIsNoAddress_FailsNamingTheSetting()
    {
        using var app = ExtraHost.Create(ExtraHost.UnreachableDatabase, ("Http:KnownProxies", "10.0.0.1, proxy.example"));
        var error = Assert.ThrowsAny<Exception>(() => app.CreateClient());
        var message = error is OptionsValidationException options ? string.Join(" ", options.Failures) : error.ToString();
        Assert.Contains("Http:KnownProxies", message);
        Assert.Contains("proxy.example", message);
    }

    internal static async Task<HttpResponseMessage> Register(BillHolderServer server, string peer, string forwardedFor)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth/register")
        {
            Content = JsonContent.Create(new { username = "f_" + Guid.NewGuid().ToString("N")[..10], password = "password123" }),
        };
        request.Headers.Add(ClientAddressFromHeader.Header, peer);
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        return await server.Anonymous().SendAsync(request);
    }
}

// Without Http:KnownProxies nobody is believed, a proxy on this machine (loopback) included, although the
// framework itself would trust loopback.
public sealed class ForwardedHeadersDefaultTests : IClassFixture<ForwardedHeadersDefaultTests.Server>
{
    public sealed class Server : IAsyncLifetime
    {
        public BillHolderServer Inner { get; } = new();

        public Task InitializeAsync()
        {
            Inner.Settings["Auth:MaxRegistrationsPerAddress"] = "2";
            return Inner.InitializeAsync();
        }

        public Task DisposeAsync() => Inner.DisposeAsync();
    }

    private readonly BillHolderServer server;

    public ForwardedHeadersDefaultTests(Server fixture) => server = fixture.Inner;

    [Fact]
    public async Task ForwardedFor_ByDefault_IsIgnoredEvenFromLoopback()
    {
        await (await ForwardedHeadersTests.Register(server, "127.0.0.1", "10.3.0.1")).ReadJsonAsync(HttpStatusCode.Created);
        await (await ForwardedHeadersTests.Register(server, "127.0.0.1", "10.3.0.2")).ReadJsonAsync(HttpStatusCode.Created);
        await (await ForwardedHeadersTests.Register(server, "127.0.0.1", "10.3.0.3")).ProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
    }
}
