using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.AspNetCore.TestHost;

namespace BillHolder.Tests.Infrastructure;

// Meters are process-wide (an exporter may see another test host's meter of the same name), so the tests that
// count run alone.
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetricsCollection
{
    public const string Name = "Metrics";
}

// The real server behind Kestrel on loopback, checkpointing after every sync so that checkpoints show too.
public sealed class MetricsHost : IAsyncLifetime
{
    public KestrelHost Host { get; } = new();

    public async Task InitializeAsync()
    {
        Host.Server.Settings["Sync:CheckpointMinLogBytes"] = "0";
        Host.Server.Settings["Sync:CheckpointLogFraction"] = "0.01";
        await Host.InitializeAsync();
    }

    public Task DisposeAsync() => Host.DisposeAsync();
}

[Collection(MetricsCollection.Name)]
public sealed partial class MetricsTests(MetricsHost fixture) : IClassFixture<MetricsHost>
{
    private KestrelHost Host => fixture.Host;

    [Fact]
    public async Task Metrics_AfterRealSyncsAndPushes_CountEveryResult_UnderTheExportersNames()
    {
        var (alice, aliceToken) = await SignInAsync("alice");
        var created = await (await alice.PostAsJsonAsync("/api/books", new
        {
            name = "metrics",
            wallets = new[] { new { id = -1, status = 3, name = "cash", openingBalance = 0 } },
            bills = new[] { new { id = -1, status = 3, walletId = -1, amount = 100, date = 1, category = "food" } },
        })).ReadJsonAsync(HttpStatusCode.Created);
        var bookId = created.GetProperty("id").GetInt64();
        var walletId = created.GetProperty("wallets")[0].GetProperty("id").GetInt64();
        var billId = created.GetProperty("bills")[0].GetProperty("id").GetInt64();

        // A second connection of Alice's has the book open and receives every push.
        await using var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(Host.Address, "/hubs/books"), options => options.AccessTokenProvider = () => Task.FromResult<string?>(aliceToken))
            .Build();
        var pushes = 0;
        hub.On<JsonElement>("BookChanged", _ => Interlocked.Increment(ref pushes));
        await hub.StartAsync();
        await hub.InvokeAsync<JsonElement>("OpenBook", bookId, (long?)null);

        var before = await ScrapeAsync();
        Assert.Equal(1, before.Value("billholder_hub_connections"));
        Assert.Equal(1, before.Value("billholder_open_books"));

        object Bill(long amount, string category, long? version = null) =>
            new { id = billId, status = 1, walletId, amount, date = 1, category, version };
        async Task<HttpResponseMessage> Sync(object body) => await alice.PostAsJsonAsync($"/api/books/{bookId}/sync", body);

        (await Sync(new { syncId = "m1", bills = new[] { Bill(150, "food", 1) } })).EnsureSuccessStatusCode();
        (await Sync(new { syncId = "m1", bills = new[] { Bill(150, "food", 1) } })).EnsureSuccessStatusCode();
        // Same base (version 1), another value of the same field: applied, one conflict.
        (await Sync(new { syncId = "m2", bills = new[] { Bill(175, "food", 1) } })).EnsureSuccessStatusCode();
        // Nothing changes: the record as it is stored.
        (await Sync(new { syncId = "m3", bills = new[] { Bill(175, "food") } })).EnsureSuccessStatusCode();
        await (await Sync(new { syncId = "m4", bills = new[] { new { id = -1, status = 3, walletId = 999, amount = 1, date = 1 } } }))
            .ProblemAsync(HttpStatusCode.Conflict, "unknown_wallet");

        var deadline = DateTime.UtcNow.AddSeconds(20);
        Scrape after;
        while (true)
        {
            after = await ScrapeAsync();
            var settled = Volatile.Read(ref pushes) == 2 && after.Value("billholder_push_latency_seconds_count") - before.Value("billholder_push_latency_seconds_count") == 2
                && after.Value("billholder_checkpoints_total", ("result", "written")) > before.Value("billholder_checkpoints_total", ("result", "written"));
            if (settled || DateTime.UtcNow > deadline) break;
            await Task.Delay(100);
        }

        double Moved(string name, params (string, string)[] labels) => after.Value(name, labels) - before.Value(name, labels);
        Assert.Equal(2, Moved("billholder_syncs_total", ("result", "applied"), ("code", "none")));
        Assert.Equal(1, Moved("billholder_syncs_total", ("result", "replayed"), ("code", "none")));
        Assert.Equal(1, Moved("billholder_syncs_total", ("result", "unchanged"), ("code", "none")));
        Assert.Equal(1, Moved("billholder_syncs_total", ("result", "rejected"), ("code", "unknown_wallet")));
        Assert.Equal(5, Moved("billholder_sync_duration_seconds_count"));
        Assert.True(Moved("billholder_sync_duration_seconds_sum") > 0);
        Assert.Equal(5, Moved("billholder_sync_records_sum"));
        Assert.Equal(1, Moved("billholder_sync_conflicts_total"));
        Assert.Equal(5, Moved("billholder_sync_batch_sum"));
        Assert.True(Moved("billholder_cache_lookups_total", ("result", "hit")) >= 5);
        Assert.True(after.Value("billholder_cache_records") >= 3);
        Assert.Equal(2, Moved("billholder_push_latency_seconds_count"));
        Assert.True(Moved("billholder_checkpoints_total", ("result", "written")) >= 1);
        Assert.True(Moved("billholder_checkpoint_size_bytes_count") >= 1);
        Assert.Contains("billholder_outbox_overflow_closes_total{", after.Text);
        Assert.Equal(0, after.Value("billholder_outbox_overflow_closes_total"));
        Assert.Contains("# TYPE billholder_syncs_total counter", after.Text);
        Assert.Contains("# TYPE billholder_sync_duration_seconds histogram", after.Text);
        // ASP.NET Core's own figures come along, labelled by route template, never by the values in it.
        Assert.Contains("http_server_request_duration_seconds_bucket", after.Text);
        Assert.DoesNotContain($"/api/books/{bookId}", after.Text);
        Assert.DoesNotContain("alice", after.Text);

        await hub.StopAsync();
        deadline = DateTime.UtcNow.AddSeconds(10);
        // The connection is uncounted first, its books a moment later (OnDisconnectedAsync closes them after).
        while (((after = await ScrapeAsync()).Value("billholder_hub_connections") != 0 || after.Value("billholder_open_books") != 0)
            && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.Equal(0, after.Value("billholder_hub_connections"));
        Assert.Equal(0, after.Value("billholder_open_books"));
    }

    [Fact]
    public async Task Metrics_FromLoopback_Answer_WhileAnyOtherAddressGets403Forbidden()
    {
        Assert.Equal(HttpStatusCode.OK, (await Host.Client().GetAsync("/metrics")).StatusCode);
        var server = Host.Server.App.Server;
        Assert.Equal(200, (await ScrapeFromAsync(server, "::1")).Response.StatusCode);
        Assert.Equal(200, (await ScrapeFromAsync(server, "::ffff:127.0.0.1")).Response.StatusCode);

        foreach (var outsider in new[] { "203.0.113.7", "10.1.2.3", "2001:db8::1" })
        {
            var refused = await ScrapeFromAsync(server, outsider);
            Assert.Equal(403, refused.Response.StatusCode);
            Assert.Equal("application/problem+json", refused.Response.ContentType);
            using var problem = await JsonDocument.ParseAsync(refused.Response.Body);
            Assert.Equal("forbidden", problem.RootElement.GetProperty("code").GetString());
        }
    }

    [Fact]
    public async Task Metrics_FromAnAllowedNetwork_Answer_AndOtherNetworksStillGet403()
    {
        await using var app = ExtraHost.Create(Host.Server.Database.ConnectionString, ("Metrics:AllowedNetworks", "203.0.113.0/24, 2001:db8::/32"));
        await BillHolderServer.WaitUntilReadyAsync(app.CreateClient());
        Assert.Equal(200, (await ScrapeFromAsync(app.Server, "203.0.113.7")).Response.StatusCode);
        Assert.Equal(200, (await ScrapeFromAsync(app.Server, "2001:db8::1")).Response.StatusCode);
        Assert.Equal(403, (await ScrapeFromAsync(app.Server, "198.51.100.1")).Response.StatusCode);
    }

    [Fact]
    public void Boot_WithAnAllowedNetworkThatIsNoCidrBlock_FailsNamingTheSetting()
    {
        using var app = ExtraHost.Create(ExtraHost.UnreachableDatabase, ("Metrics:AllowedNetworks", "10.0.0.0/8, 10.0.0/33"));
        var error = Assert.ThrowsAny<Exception>(() => app.Server);
        Assert.Contains("Metrics:AllowedNetworks", error.ToString());
        Assert.Contains("10.0.0/33", error.ToString());
    }

    private static Task<HttpContext> ScrapeFromAsync(TestServer server, string address) => server.SendAsync(http =>
    {
        http.Request.Method = "GET";
        http.Request.Path = "/metrics";
        http.Connection.RemoteIpAddress = IPAddress.Parse(address);
    });

    private async Task<(HttpClient Http, string Token)> SignInAsync(string prefix)
    {
        var http = Host.Client();
        var username = $"{prefix}_{Guid.NewGuid().ToString("N")[..8]}";
        (await http.PostAsJsonAsync("/api/auth/register", new { username, password = "correct-horse-battery" })).EnsureSuccessStatusCode();
        var tokens = await (await http.PostAsJsonAsync("/api/auth/login", new { username, password = "correct-horse-battery" })).ReadJsonAsync(HttpStatusCode.OK);
        var token = tokens.GetProperty("accessToken").GetString()!;
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return (http, token);
    }

    private async Task<Scrape> ScrapeAsync()
    {
        var response = await Host.Client().GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return new Scrape(text);
    }

    // The Prometheus text format: `name{label="value",...} number` per line.
    private sealed partial class Scrape(string text)
    {
        public string Text { get; } = text;

        // A counter nobody moved yet is absent: 0.
        public double Value(string name, params (string Key, string Value)[] labels)
        {
            var total = 0.0;
            foreach (Match line in Sample().Matches(Text))
            {
                if (line.Groups["name"].Value != name) continue;
                var have = Label().Matches(line.Groups["labels"].Value).ToDictionary(l => l.Groups[1].Value, l => l.Groups[2].Value);
                if (!labels.All(l => have.TryGetValue(l.Key, out var v) && v == l.Value)) continue;
                total += double.Parse(line.Groups["value"].Value, CultureInfo.InvariantCulture);
            }
            return total;
        }

        [GeneratedRegex(@"^(?<name>[a-z_]+)(\{(?<labels>[^}]*)\})? (?<value>\S+)", RegexOptions.Multiline)]
        private static partial Regex Sample();

        [GeneratedRegex("([a-z_]+)=\"([^\"]*)\"")]
        private static partial Regex Label();
    }
}
