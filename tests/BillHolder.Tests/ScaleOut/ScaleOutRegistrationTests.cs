using System.Net;
using System.Net.Http.Json;
using BillHolder.Tests.Infrastructure;

namespace BillHolder.Tests.ScaleOut;

public sealed class TwoInstancesFewRegistrations : IAsyncLifetime
{
    public const int PerAddress = 3;

    public ServerCluster Cluster { get; } = new() { Settings = { ["Auth:MaxRegistrationsPerAddress"] = PerAddress.ToString() } };

    public Task InitializeAsync() => Cluster.InitializeAsync();

    public Task DisposeAsync() => Cluster.DisposeAsync();
}

public sealed class ScaleOutRegistrationTests(TwoInstancesFewRegistrations fixture) : IClassFixture<TwoInstancesFewRegistrations>
{
    [Fact]
    public async Task TheRegistrationThrottle_CountsRegistrationsOnEveryInstance()
    {
        var servers = fixture.Cluster.Servers;
        var address = $"10.{Random.Shared.Next(1, 250)}.{Random.Shared.Next(1, 250)}.7";

        for (var i = 0; i < TwoInstancesFewRegistrations.PerAddress; i++)
        {
            var created = await RegisterAsync(servers[i % 2], address, i);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        foreach (var server in servers)
        {
            await (await RegisterAsync(server, address, 100 + servers.ToList().IndexOf(server))).ProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        }
    }

    private static Task<HttpResponseMessage> RegisterAsync(BillHolderServer server, string address, int n)
    {
        var http = server.Anonymous();
        http.DefaultRequestHeaders.Add(ClientAddressFromHeader.Header, address);
        return http.PostAsJsonAsync("/api/auth/register", new { username = $"reg{n}_{Guid.NewGuid():N}"[..20], password = UserClient.Password });
    }
}
