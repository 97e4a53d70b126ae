using System.Collections.Concurrent;
using System.Threading.Channels;
using BillHolder.Server.Infrastructure.Metrics;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace BillHolder.Server.Realtime;

// One bounded, ordered queue of pushes per connection, drained by its own task. Whoever pushes never waits for
// a client: a connection too slow to keep up overflows its queue and is closed, and its app reconnects and
// catches up with OpenBook(sinceVersion) — the version is the truth, pushes are the fast path.
internal sealed class ConnectionOutboxes(IHubContext<BookHub, IBookClient> hub, IOptions<RealtimeOptions> options, BillHolderMetrics metrics,
    ILogger<ConnectionOutboxes> logger)
{
    private readonly ConcurrentDictionary<string, Outbox> _outboxes = new();

    public void Open(HubCallerContext connection)
    {
        var outbox = new Outbox(connection, Channel.CreateBounded<Func<IBookClient, Task>>(new BoundedChannelOptions(options.Value.OutboxCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        }));
        if (!_outboxes.TryAdd(connection.ConnectionId, outbox)) throw new InvalidOperationException($"Connection {connection.ConnectionId} opened twice.");
        metrics.HubConnectionOpened();
        _ = Task.Run(() => PumpAsync(outbox));
    }

    public void Close(string connectionId)
    {
        if (!_outboxes.TryRemove(connectionId, out var outbox)) return;
        outbox.Queue.Writer.TryComplete();
        metrics.HubConnectionClosed();
    }

    // False when the connection is gone or could not keep up (it is then being closed).
    public bool TrySend(string connectionId, Func<IBookClient, Task> push)
    {
        if (!_outboxes.TryGetValue(connectionId, out var outbox)) return false;
        if (outbox.Queue.Writer.TryWrite(push)) return true;
        // Closed meanwhile (the connection is going away): nothing to report.
        if (!_outboxes.TryGetValue(connectionId, out var current) || !ReferenceEquals(current, outbox)) return false;
        logger.LogWarning("Closing connection {ConnectionId} of {Username}: {Capacity} pushes waiting, it does not keep up",
            connectionId, outbox.Connection.User?.FindFirst(Accounts.CurrentUser.NameClaim)?.Value, options.Value.OutboxCapacity);
        metrics.OutboxOverflowClosed();
        Close(connectionId);
        outbox.Connection.Abort();
        return false;
    }

    // Ends the connection: its app reconnects and catches up with OpenBook(sinceVersion).
    public void Abort(string connectionId)
    {
        if (!_outboxes.TryGetValue(connectionId, out var outbox)) return;
        Close(connectionId);
        outbox.Connection.Abort();
    }

    // Ends every connection signed in with one of these sessions. A scan over all connections: revocations are
    // rare next to pushes, so no second index has to be kept right on every connect and disconnect.
    public int AbortSessions(IReadOnlyCollection<long> sessionIds)
    {
        var aborted = 0;
        foreach (var (connectionId, outbox) in _outboxes)
        {
            if (Accounts.CurrentUser.TryFrom(outbox.Connection.User) is not { } user || !sessionIds.Contains(user.SessionId)) continue;
            Close(connectionId);
            outbox.Connection.Abort();
            aborted++;
        }
        return aborted;
    }

    private async Task PumpAsync(Outbox outbox)
    {
        var client = hub.Clients.Client(outbox.Connection.ConnectionId);
        await foreach (var push in outbox.Queue.Reader.ReadAllAsync())
        {
            try
            {
                await push(client);
            }
            catch (Exception ex)
            {
                logger.LogDebug(ex, "Push to {ConnectionId} failed", outbox.Connection.ConnectionId);
            }
        }
    }

    private sealed record Outbox(HubCallerContext Connection, Channel<Func<IBookClient, Task>> Queue);
}
