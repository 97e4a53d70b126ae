using System.Security.Claims;
using BillHolder.Server.Books.Engine;
using BillHolder.Server.Realtime;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace BillHolder.Tests.Realtime;

// A client that stops reading must not hold back anyone else: its outbox fills, it is closed, others go on.
// SignalR's transport is replaced by a client whose sends can be held, the only way to make a slow reader
// deterministic in a test.
public sealed class ConnectionOutboxesTests
{
    [Fact]
    public async Task ASlowConnection_OverflowsItsOutboxAndIsClosed_WhileOthersKeepReceiving()
    {
        var clients = new FakeClients();
        var metrics = new BillHolder.Tests.Infrastructure.TestMetrics();
        var outboxes = new ConnectionOutboxes(new FakeHubContext(clients), Options.Create(new RealtimeOptions { OutboxCapacity = 3 }),
            metrics.Metrics,
            NullLogger<ConnectionOutboxes>.Instance);
        var slow = new FakeConnection("slow");
        var fast = new FakeConnection("fast");
        outboxes.Open(slow);
        outboxes.Open(fast);
        clients.Hold("slow");

        var accepted = 0;
        for (var i = 0; i < 10; i++)
        {
            if (outboxes.TrySend("slow", c => c.BookClosed(1, "x"))) accepted++;
        }
        // One push is stuck in the client, three wait in the outbox; the next one overflows it.
        Assert.InRange(accepted, 3, 4);
        Assert.True(slow.Aborted);
        Assert.Equal(1, metrics.Observe("billholder.outbox.overflow_closes"));
        Assert.Equal(1, metrics.Observe("billholder.hub.connections"));
        Assert.False(outboxes.TrySend("slow", c => c.BookClosed(1, "late")));

        // Meanwhile the healthy connection receives everything, in rounds its outbox can hold.
        for (var round = 1; round <= 3; round++)
        {
            for (var i = 0; i < 3; i++) Assert.True(outboxes.TrySend("fast", c => c.BookClosed(1, "x")));
            await clients.WaitForAsync("fast", 3 * round);
        }
        Assert.False(fast.Aborted);
    }

    private sealed class FakeClients
    {
        private readonly Dictionary<string, int> _received = new();
        private readonly HashSet<string> _held = new();
        private readonly TaskCompletionSource _never = new();

        public void Hold(string connectionId) { lock (_received) _held.Add(connectionId); }

        public Task ReceiveAsync(string connectionId)
        {
            lock (_received)
            {
                if (_held.Contains(connectionId)) return _never.Task;
                _received[connectionId] = _received.GetValueOrDefault(connectionId) + 1;
                return Task.CompletedTask;
            }
        }

        public async Task WaitForAsync(string connectionId, int count)
        {
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (DateTime.UtcNow < deadline)
            {
                lock (_received) if (_received.GetValueOrDefault(connectionId) >= count) return;
                await Task.Delay(10);
            }
            Assert.Fail($"{connectionId} did not receive {count} pushes");
        }
    }

    private sealed class FakeClient(FakeClients clients, string connectionId) : IBookClient
    {
        public Task BookChanged(ChangeSet changes) => clients.ReceiveAsync(connectionId);
        public Task PresenceChanged(long bookId, IReadOnlyList<string> users) => clients.ReceiveAsync(connectionId);
        public Task BookClosed(long bookId, string reason) => clients.ReceiveAsync(connectionId);
    }

    private sealed class FakeHubContext(FakeClients clients) : IHubContext<BookHub, IBookClient>
    {
        public IHubClients<IBookClient> Clients { get; } = new FakeHubClients(clients);
        public IGroupManager Groups => throw new NotSupportedException();
    }

    private sealed class FakeHubClients(FakeClients clients) : IHubClients<IBookClient>
    {
        public IBookClient Client(string connectionId) => new FakeClient(clients, connectionId);
        public IBookClient All => throw new NotSupportedException();
        public IBookClient AllExcept(IReadOnlyList<string> excludedConnectionIds) => throw new NotSupportedException();
        public IBookClient Clients(IReadOnlyList<string> connectionIds) => throw new NotSupportedException();
        public IBookClient Group(string groupName) => throw new NotSupportedException();
        public IBookClient GroupExcept(string groupName, IReadOnlyList<string> excludedConnectionIds) => throw new NotSupportedException();
        public IBookClient Groups(IReadOnlyList<string> groupNames) => throw new NotSupportedException();
        public IBookClient User(string userId) => throw new NotSupportedException();
        public IBookClient Users(IReadOnlyList<string> userIds) => throw new NotSupportedException();
    }

    private sealed class FakeConnection(string id) : HubCallerContext
    {
        public bool Aborted { get; private set; }
        public override string ConnectionId => id;
        public override string? UserIdentifier => null;
        public override ClaimsPrincipal? User => null;
        public override IDictionary<object, object?> Items { get; } = new Dictionary<object, object?>();
        public override IFeatureCollection Features { get; } = new FeatureCollection();
        public override CancellationToken ConnectionAborted => CancellationToken.None;
        public override void Abort() => Aborted = true;
    }
}
