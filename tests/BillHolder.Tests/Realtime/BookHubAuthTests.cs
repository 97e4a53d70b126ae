using System.Net;
using BillHolder.Tests.Infrastructure;

namespace BillHolder.Tests.Realtime;

public sealed class BookHubAuthTests(BillHolderServer server) : IClassFixture<BillHolderServer>
{
    [Theory]
    [InlineData(null)]
    [InlineData("not-a-token")]
    public async Task Connect_WithoutAValidToken_IsRefusedWith401(string? token)
    {
        var connection = TestHubConnection.Build(server, token);
        await using var _ = connection;

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => connection.StartAsync().WaitAsync(TestHubConnection.Patience));

        // TestServer reports the refused WebSocket upgrade with its status code.
        Assert.Contains("401", error.Message);
    }

    [Fact]
    public async Task Negotiate_WithoutAToken_Is401()
    {
        var response = await server.Anonymous().PostAsync("/hubs/books/negotiate?negotiateVersion=1", null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Negotiate_WithAToken_OffersWebSockets()
    {
        var user = await server.NewUserAsync();

        var negotiated = await (await user.Http.PostAsync("/hubs/books/negotiate?negotiateVersion=1", null)).ReadJsonAsync(HttpStatusCode.OK);

        Assert.Contains("WebSockets", negotiated.GetProperty("availableTransports").EnumerateArray().Select(t => t.GetProperty("transport").GetString()));
    }
}
