using System.Net;
using System.Text.RegularExpressions;

namespace BillHolder.Tests.Infrastructure;

public sealed partial class DatabaseOutageTests
{
    [Fact]
    public async Task Server_AnswersWith503WhileTheDatabaseIsDown_AndRecoversByItself()
    {
        await using var database = await TestDatabase.CreateAsync();
        var port = int.Parse(PortPattern().Match(TestDatabase.ServerConnectionString).Groups[1].Value);
        await using var relay = new TcpRelay("127.0.0.1", port);
        var throughRelay = PortPattern().Replace(database.ConnectionString, $"Port={relay.Port}");
        await using var app = ExtraHost.Create(throughRelay, ("Database:ConnectTimeoutSeconds", "2"));
        var http = app.CreateClient();
        await BillHolderServer.WaitUntilReadyAsync(http);
        var credentials = new { username = "outage_user", password = "password123" };
        await (await http.PostJsonAsync("/api/auth/register", credentials)).ReadJsonAsync(HttpStatusCode.Created);

        relay.Cut();
        await (await http.GetAsync("/health/ready")).ProblemAsync(HttpStatusCode.ServiceUnavailable, "database_unavailable");
        await (await http.PostJsonAsync("/api/auth/login", credentials)).ProblemAsync(HttpStatusCode.ServiceUnavailable, "database_unavailable");
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/live")).StatusCode);

        relay.Restore();
        // Pooled connections broken by the cut are discarded on use; give the pool a few tries.
        HttpResponseMessage login = null!;
        for (var attempt = 0; attempt < 20; attempt++)
        {
            login = await http.PostJsonAsync("/api/auth/login", credentials);
            if (login.StatusCode == HttpStatusCode.OK) break;
            await Task.Delay(250);
        }
        await login.ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/ready")).StatusCode);
    }

    [GeneratedRegex(@"Port=(\d+)")]
    private static partial Regex PortPattern();
}
