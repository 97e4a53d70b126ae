using System.Net.WebSockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace BillHolder.ClusterAgent;

// One app with one book open, the way the README tells app developers to write it: WebSockets without
// negotiation (behind the proxy), automatic reconnect, OpenBook(bookId, version) after every (re)connect, pushes
// applied when they continue the held version, a catch-up when one skips ahead, syncs retried with their syncId.
internal sealed class Agent(Uri proxy, string token, long bookId) : IAsyncDisposable
{
    private static readonly string[] Collections = ["wallets", "bills", "transfers", "incomes"];

    private readonly BookCopy _book = new();
    private readonly SemaphoreSlim _catchUp = new(1, 1);
    private readonly object _outputLock = new();
    private HubConnection? _connection;
    private string _instance = "";

    public async Task StartAsync(string? wantedInstance)
    {
        // Round-robin decides where a connection lands; a scenario that needs a client on one instance asks again.
        for (var attempt = 0; ; attempt++)
        {
            _connection = Build();
            await _connection.StartAsync();
            if (wantedInstance is null || _instance == wantedInstance || attempt == 30) break;
            await _connection.DisposeAsync();
        }
        Emit(new { @event = "connected", instance = _instance });
        await OpenAsync();
    }

    public async Task RunAsync(TextReader input)
    {
        while (await input.ReadLineAsync() is { } line)
        {
            if (line.Length == 0) continue;
            var command = JsonNode.Parse(line)!;
            var id = command["id"]?.GetValue<long>() ?? 0;
            switch (command["cmd"]!.GetValue<string>())
            {
                case "sync":
                    _ = SyncAsync(id, command["syncId"]!.GetValue<string>(), command["walletId"]!.GetValue<long>());
                    break;
                case "state":
                    lock (_book) Emit(new { @event = "state", id, version = _book.Version, digest = _book.Digest(), instance = _instance });
                    break;
                case "stop":
                    return;
            }
        }
    }

    private HubConnection Build()
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(proxy, "/hubs/books"), options =>
            {
                options.Transports = HttpTransportType.WebSockets;
                options.SkipNegotiation = true;
                options.AccessTokenProvider = () => Task.FromResult<string?>(token);
                // Our own socket, to read which instance answered the upgrade.
                options.WebSocketFactory = async (context, cancellationToken) =>
                {
                    var socket = new ClientWebSocket();
                    socket.Options.CollectHttpResponseDetails = true;
                    var uri = new UriBuilder(context.Uri) { Query = $"access_token={Uri.EscapeDataString(token)}" }.Uri;
                    await socket.ConnectAsync(uri, cancellationToken);
                    if (socket.HttpResponseHeaders?.TryGetValue("X-BillHolder-Instance", out var names) == true) _instance = names.First();
                    return socket;
                };
            })
            .WithAutomaticReconnect(new EverySecondOrSo())
            .Build();
        connection.On<JsonElement>("BookChanged", changes => Apply(changes, "push"));
        connection.On<long, string[]>("PresenceChanged", (book, users) => Emit(new { @event = "presence", bookId = book, users }));
        connection.On<long, string>("BookClosed", (book, reason) => Emit(new { @event = "closed", bookId = book, reason }));
        connection.Reconnecting += error =>
        {
            Emit(new { @event = "reconnecting", instance = _instance });
            return Task.CompletedTask;
        };
        connection.Reconnected += async _ =>
        {
            Emit(new { @event = "connected", instance = _instance });
            await OpenAsync();
        };
        return connection;
    }

    private async Task OpenAsync()
    {
        long? since;
        lock (_book) since = _book.Version == 0 ? null : _book.Version;
        var answer = await _connection!.InvokeAsync<JsonElement>("OpenBook", bookId, since);
        Apply(answer, "open");
        lock (_book) Emit(new { @event = "opened", version = _book.Version });
    }

    // Handlers run one at a time on the receive loop: a catch-up (which waits for an answer) runs beside it.
    private void Apply(JsonElement changes, string source)
    {
        bool behind;
        lock (_book)
        {
            behind = !_book.Apply(changes);
            if (source == "push" && !behind)
            {
                Emit(new { @event = "changed", from = changes.GetProperty("fromVersion").GetInt64(), to = changes.GetProperty("toVersion").GetInt64(), version = _book.Version });
            }
        }
        if (behind) _ = CatchUpAsync();
    }

    private async Task CatchUpAsync()
    {
        await _catchUp.WaitAsync();
        try { await OpenAsync(); }
        catch (Exception error) { Emit(new { @event = "warning", message = "catch-up failed: " + error.Message }); }
        finally { _catchUp.Release(); }
    }

    private async Task SyncAsync(long id, string syncId, long walletId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                long baseVersion;
                lock (_book) baseVersion = _book.Version;
                var request = new
                {
                    syncId,
                    baseVersion,
                    bills = new[] { new { id = -1, status = 3, walletId, amount = 1, date = 1, remark = syncId } },
                };
                var answer = await _connection!.InvokeAsync<JsonElement>("Sync", bookId, request);
                Apply(answer.GetProperty("changes"), "answer");
                Emit(new { @event = "synced", id, syncId, version = answer.GetProperty("version").GetInt64(), attempts = attempt, instance = _instance });
                return;
            }
            catch (Exception error) when (DateTime.UtcNow < deadline && Retriable(error))
            {
                // Not answered (the instance went away, the connection is reconnecting): the same syncId again.
                await Task.Delay(200);
            }
            catch (Exception error)
            {
                Emit(new { @event = "error", id, syncId, message = error.Message });
                return;
            }
        }
    }

    private static bool Retriable(Exception error) =>
        error is not HubException || error.Message.Contains("rate_limited") || error.Message.Contains("database_unavailable");

    private void Emit(object value)
    {
        lock (_outputLock)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(value));
            Console.Out.Flush();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null) await _connection.DisposeAsync();
    }

    // The book as this app holds it: the version, and each record's id and version per collection.
    private sealed class BookCopy
    {
        public long Version { get; private set; }

        private readonly Dictionary<string, SortedDictionary<long, long>> _records = Collections.ToDictionary(c => c, _ => new SortedDictionary<long, long>());

        // False when the change set starts above the held version (something was missed: catch up).
        public bool Apply(JsonElement changes)
        {
            var from = changes.GetProperty("fromVersion").GetInt64();
            var to = changes.GetProperty("toVersion").GetInt64();
            var full = changes.GetProperty("full").GetBoolean();
            if (!full && from > Version) return false;
            if (!full && to <= Version) return true;
            foreach (var collection in Collections)
            {
                var held = _records[collection];
                if (full) held.Clear();
                foreach (var record in changes.GetProperty(collection).EnumerateArray())
                {
                    held[record.GetProperty("id").GetInt64()] = record.GetProperty("version").GetInt64();
                }
                if (changes.TryGetProperty("deleted", out var deleted) && deleted.TryGetProperty(collection, out var ids))
                {
                    foreach (var removed in ids.EnumerateArray()) held.Remove(removed.GetInt64());
                }
            }
            Version = to;
            return true;
        }

        // The same text the JavaScript client computes: "version|collection:id@version,...|...".
        public string Digest() =>
            Version + "|" + string.Join("|", Collections.Select(c => c + ":" + string.Join(",", _records[c].Select(r => $"{r.Key}@{r.Value}"))));
    }

    private sealed class EverySecondOrSo : IRetryPolicy
    {
        public TimeSpan? NextRetryDelay(RetryContext context) =>
            context.ElapsedTime > TimeSpan.FromMinutes(2) ? null : TimeSpan.FromMilliseconds(context.PreviousRetryCount == 0 ? 0 : 500);
    }
}
