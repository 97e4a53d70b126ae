using System.Net;
using System.Net.Http.Json;
using BillHolder.Tests.Realtime;

namespace BillHolder.Tests.Infrastructure;

public sealed class RequestLoggingTests(BillHolderServer server) : IClassFixture<BillHolderServer>
{
    [Fact]
    public async Task Requests_AreLoggedOneLineEach_WithMethodPathStatusAndTime()
    {
        var user = await server.NewUserAsync();
        await (await user.Http.GetAsync("/api/me")).ReadJsonAsync(HttpStatusCode.OK);

        var line = Assert.Single(server.Logs.Entries, e => e.Category == "BillHolder.Requests" && e.Text.Contains("GET /api/me"));
        Assert.Matches(@"^HTTP GET /api/me responded 200 in \d+\.\d ms$", line.Text);
    }

    [Fact]
    public async Task Secrets_NeverReachTheLogs_NotEvenTheHubsQueryStringToken()
    {
        var user = await server.NewUserAsync();
        // The hub client here sends the token as ?access_token=, as browsers must.
        await using (var hub = await server.ConnectAsync(user))
        {
            await hub.RoundTripAsync();
        }
        await server.Anonymous().PostAsJsonAsync("/api/auth/login", new { username = user.Username, password = "a-wrong-password-123" });

        var entries = server.Logs.Entries;
        Assert.Contains(entries, e => e.Text.Contains("/hubs/books"));
        Assert.DoesNotContain(entries, e => e.Text.Contains(user.Token));
        Assert.DoesNotContain(entries, e => e.Text.Contains("access_token"));
        Assert.DoesNotContain(entries, e => e.Text.Contains("correct-horse-battery") || e.Text.Contains("a-wrong-password-123"));
        Assert.DoesNotContain(entries, e => e.Text.Contains("billholder-dev"));
    }
}
