using System.Text.RegularExpressions;

namespace BillHolder.Tests.Infrastructure;

// A server whose database connection runs through a relay the test can cut.
public sealed partial class RelayedServer : IAsyncLifetime
{
    public BillHolderServer Server { get; } = new();

    internal TcpRelay Relay { get; private set; } = null!;

    public Task InitializeAsync()
    {
        var port = int.Parse(PortPattern().Match(TestDatabase.ServerConnectionString).Groups[1].Value);
        Relay = new TcpRelay("127.0.0.1", port);
        Server.RouteToDatabase = connectionString => PortPattern().Replace(connectionString, $"Port={Relay.Port}");
        Server.Settings["Database:ConnectTimeoutSeconds"] = "2";
        // After an outage the breaker refuses requests this long before one tries the database again.
        Server.Settings.TryAdd("Database:BreakSeconds", "1");
        return Server.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        Relay.Restore();
        await Server.DisposeAsync();
        await Relay.DisposeAsync();
    }

    [GeneratedRegex(@"Port=(\d+)")]
    private static partial Regex PortPattern();
}
