using System.Text.Json;
using System.Threading.Channels;
using BillHolder.Tests.Infrastructure;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace BillHolder.Tests.Realtime;

// A real SignalR client on /hubs/books that records every push, so tests can await them or prove their absence.
internal sealed class TestHubConnection : IAsyncDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly Channel<JsonElement> _changes = Channel.CreateUnbounded<JsonElement>();
    private readonly Channel<(long BookId, string[] Users)> _presence = Channel.CreateUnbounded<(long, string[])>();
    private readonly Channel<(long BookId, string Reason)> _closed = Channel.CreateUnbounded<(long, string)>();
    private readonly TaskCompletionSource<Exception?> _disconnected = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private TestHubConnection(HubConnection connection, string username)
    {
        Connection = connection;
        Username = username;
        connection.On<JsonElement>("BookChanged", changes => _changes.Writer.TryWrite(changes));
        connection.On<long, string[]>("PresenceChanged", (bookId, users) => _presence.Writer.TryWrite((bookId, users)));
        connection.On<long, string>("BookClosed", (bookId, reason) => _closed.Writer.TryWrite((bookId, reason)));
        connection.Closed += error =>
        {
            _disconnected.TrySetResult(error);
            return Task.CompletedTask;
        };
    }

    public HubConnection Connection { get; }

    public string Username { get; }

    // Completes when the server ends the connection.
    public Task<Exception?> Disconnected => _disconnected.Task;

    public static async Task<TestHubConnection> ConnectAsync(BillHolderServer server, UserClient user)
    {
        var connection = Build(server, user.Token);
        var client = new TestHubConnection(connection, user.Username);
        await connection.StartAsync().WaitAsync(Patience);
        return client;
    }

    // A connection that is not started, for tests of the handshake itself. One WebSocket to the in-memory
    // server; the token rides in the query string, as browsers must send it (tests check it never reaches the logs).
    public static HubConnection Build(BillHolderServer server, string? token)
    {
        var testServer = server.App.Server;
        return new HubConnectionBuilder()
            .WithUrl(new Uri(testServer.BaseAddress, "/hubs/books"), options =>
            {
                options.Transports = HttpTransportType.WebSockets;
                options.SkipNegotiation = true;
                options.HttpMessageHandlerFactory = _ => testServer.CreateHandler();
                if (token is not null) options.AccessTokenProvider = () => Task.FromResult<string?>(token);
                options.WebSocketFactory = async (context, cancellationToken) =>
                {
                    var uri = context.Uri;
                    if (context.Options.AccessTokenProvider is { } provider && await provider() is { Length: > 0 } accessToken)
                    {
                        uri = new UriBuilder(uri) { Query = $"access_token={Uri.EscapeDataString(accessToken)}" }.Uri;
                    }
                    return await testServer.CreateWebSocketClient().ConnectAsync(uri, cancellationToken);
                };
            })
            .Build();
    }

    public Task<JsonElement> OpenBookAsync(long bookId, long? sinceVersion = null) =>
        Connection.InvokeAsync<JsonElement>("OpenBook", bookId, sinceVersion).WaitAsync(Patience);

    public Task CloseBookAsync(long bookId) => Connection.InvokeAsync("CloseBook", bookId).WaitAsync(Patience);

    public Task<JsonElement> SyncAsync(long bookId, object request) =>
        Connection.InvokeAsync<JsonElement>("Sync", bookId, request).WaitAsync(Patience);

    public async Task<JsonElement> NextChangeAsync() => await _changes.Reader.ReadAsync().AsTask().WaitAsync(Patience);

    public async Task<(long BookId, string[] Users)> NextPresenceAsync() => await _presence.Reader.ReadAsync().AsTask().WaitAsync(Patience);

    // Presence pushes may repeat a state already seen; wait for the one a test expects.
    public async Task<string[]> PresenceUntilAsync(long bookId, params string[] expected)
    {
        var want = expected.Order(StringComparer.Ordinal).ToArray();
        while (true)
        {
            var (book, users) = await NextPresenceAsync();
            if (book == bookId && users.SequenceEqual(want)) return users;
        }
    }

    public async Task<(long BookId, string Reason)> NextClosedAsync() => await _closed.Reader.ReadAsync().AsTask().WaitAsync(Patience);

    // Pushes for a book are sent in order on one connection; after a round trip, whatever was queued
    // before the call has arrived. Used to prove that something did not.
    public async Task RoundTripAsync() => await Connection.InvokeAsync("CloseBook", long.MaxValue).WaitAsync(Patience);

    public bool TryTakeChange(out JsonElement changes) => _changes.Reader.TryRead(out changes);

    public bool TryTakePresence(out (long BookId, string[] Users) presence) => _presence.Reader.TryRead(out presence);

    public bool TryTakeClosed(out (long BookId, string Reason) closed) => _closed.Reader.TryRead(out closed);

    public async ValueTask DisposeAsync()
    {
        await Connection.DisposeAsync();
    }
}

internal static class TestHubConnectionExtensions
{
    public static Task<TestHubConnection> ConnectAsync(this BillHolderServer server, UserClient user) =>
        TestHubConnection.ConnectAsync(server, user);
}
