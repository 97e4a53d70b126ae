using System.Text.Json;
using System.Threading.Channels;
using BillHolder.Tests.Infrastructure;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using System.Net;

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

    // A connection that is not started, for tests of the handshake itself.
    public static HubConnection Build(BillHolderServer server, string? token)
    {
        var builder = new HubConnectionBuilder();
        builder.Services.AddSingleton<IConnectionFactory>(new WebSocketConnectionFactory(server.App.Server, token));
        builder.Services.AddSingleton<EndPoint>(new UriEndPoint(new Uri("ws://localhost/hubs/books")));
        builder.AddJsonProtocol();
        return builder.Build();
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
