using System.Net;

namespace BillHolder.Tests.Infrastructure;

public sealed class DatabaseOutageTests(RelayedServer relayed) : IClassFixture<RelayedServer>
{
    [Fact]
    public async Task Server_AnswersWith503WhileTheDatabaseIsDown_AndRecoversByItself()
    {
        var http = relayed.Server.Anonymous();
        var credentials = new { username = "outage_user", password = "password123" };
        await (await http.PostJsonAsync("/api/auth/register", credentials)).ReadJsonAsync(HttpStatusCode.Created);

        relayed.Relay.Cut();
        await (await http.GetAsync("/health/ready")).ProblemAsync(HttpStatusCode.ServiceUnavailable, "database_unavailable");
        await (await http.PostJsonAsync("/api/auth/login", credentials)).ProblemAsync(HttpStatusCode.ServiceUnavailable, "database_unavailable");
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/live")).StatusCode);

        relayed.Relay.Restore();
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

    [Fact]
    public async Task LoginsThatFailOnlyBecauseOfAnOutage_DoNotLockTheUserOut()
    {
        var http = relayed.Server.Anonymous();
        var credentials = new { username = "patient_user", password = "password123" };
        await (await http.PostJsonAsync("/api/auth/register", credentials)).ReadJsonAsync(HttpStatusCode.Created);

        relayed.Relay.Cut();
        for (var i = 0; i < 8; i++)
        {
            await (await http.PostJsonAsync("/api/auth/login", credentials)).ProblemAsync(HttpStatusCode.ServiceUnavailable, "database_unavailable");
        }
        relayed.Relay.Restore();

        HttpResponseMessage login = null!;
        for (var attempt = 0; attempt < 20; attempt++)
        {
            login = await http.PostJsonAsync("/api/auth/login", credentials);
            if (login.StatusCode != HttpStatusCode.ServiceUnavailable) break;
            await Task.Delay(250);
        }
        await login.ReadJsonAsync(HttpStatusCode.OK);
    }
}
