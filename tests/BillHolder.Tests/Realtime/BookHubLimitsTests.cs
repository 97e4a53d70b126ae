using BillHolder.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using static BillHolder.Tests.Infrastructure.TestClient;
using static BillHolder.Tests.Realtime.HubTestBooks;

namespace BillHolder.Tests.Realtime;

// A server with tiny realtime limits, so each limit is reached in a few calls.
public sealed class TightRealtimeServer : IAsyncLifetime
{
    public const int Burst = 8;
    public const int MaxOpenBooks = 2;
    public const int MaxMessageBytes = 1024;
    public const int MaxConnections = 3;

    public BillHolderServer Server { get; } = new();

    public Task InitializeAsync()
    {
        Server.Settings["Realtime:InvocationBurst"] = Burst.ToString();
        Server.Settings["Realtime:InvocationsPerSecond"] = "1";
        Server.Settings["Realtime:MaxOpenBooksPerConnection"] = MaxOpenBooks.ToString();
        Server.Settings["Realtime:MaxMessageBytes"] = MaxMessageBytes.ToString();
        Server.Settings["Realtime:MaxConnectionsPerUser"] = MaxConnections.ToString();
        return Server.InitializeAsync();
    }

    public Task DisposeAsync() => Server.DisposeAsync();
}

public sealed class BookHubLimitsTests(TightRealtimeServer tight) : IClassFixture<TightRealtimeServer>
{
    private BillHolderServer Server => tight.Server;

    [Fact]
    public async Task Invocations_BeyondTheBurst_AreRateLimited_PerUser()
    {
        var owner = await Server.NewUserAsync("owner");
        var book = await owner.CreateSharedBookAsync();
        await using var chatty = await Server.ConnectAsync(owner);

        // The bucket refills by one a second, so a fast run of twice the burst must hit the limit.
        var outcomes = new List<string>();
        for (var i = 0; i < TightRealtimeServer.Burst * 2; i++)
        {
            try
            {
                await chatty.CloseBookAsync(book.Id);
                outcomes.Add("ok");
            }
            catch (HubException error)
            {
                outcomes.Add(ServerMessage(error).Split(':')[0]);
            }
        }
        Assert.All(outcomes.Take(TightRealtimeServer.Burst), o => Assert.Equal("ok", o));
        Assert.Contains("rate_limited", outcomes);
        Assert.All(outcomes, o => Assert.Contains(o, new[] { "ok", "rate_limited" }));

        // A second connection of the same user shares the bucket (more connections buy no more calls);
        // another user has a bucket of their own; the limited connection stays connected.
        await using var second = await Server.ConnectAsync(owner);
        await HubErrorAsync("rate_limited", () => second.OpenBookAsync(book.Id));
        var friend = await Server.NewUserAsync("friend");
        await owner.SetRoleAsync(book.Id, friend.Username, "viewer");
        await using var calm = await Server.ConnectAsync(friend);
        Assert.Equal(1, (await calm.OpenBookAsync(book.Id)).GetProperty("toVersion").GetInt64());
        Assert.Equal(HubConnectionState.Connected, chatty.Connection.State);
    }

    [Fact]
    public async Task OpenBook_BeyondTheLimitPerConnection_IsTooManyBooks()
    {
        var owner = await Server.NewUserAsync("owner");
        var books = new List<SharedBook>();
        for (var i = 0; i <= TightRealtimeServer.MaxOpenBooks; i++) books.Add(await owner.CreateSharedBookAsync());
        await using var hub = await Server.ConnectAsync(owner);

        await hub.OpenBookAsync(books[0].Id);
        await hub.OpenBookAsync(books[1].Id);
        await HubErrorAsync("too_many_books", () => hub.OpenBookAsync(books[2].Id));

        // Re-opening an open book is not a new one; closing one makes room.
        await hub.OpenBookAsync(books[1].Id);
        await hub.CloseBookAsync(books[0].Id);
        Assert.Equal(books[2].Id, (await hub.OpenBookAsync(books[2].Id)).GetProperty("bookId").GetInt64());
    }

    [Fact]
    public async Task Connections_BeyondTheLimitPerUser_AreClosedWithTooManyConnections()
    {
        var owner = await Server.NewUserAsync("owner");
        var book = await owner.CreateSharedBookAsync();
        var open = new List<TestHubConnection>();
        for (var i = 0; i < TightRealtimeServer.MaxConnections; i++)
        {
            var connection = await Server.ConnectAsync(owner);
            // The handshake completes before the hub counts the connection; a call is answered only after it has.
            await connection.CloseBookAsync(book.Id);
            open.Add(connection);
        }

        var extra = TestHubConnection.Build(Server, owner.Token);
        var closed = new TaskCompletionSource<Exception?>();
        extra.Closed += error => { closed.TrySetResult(error); return Task.CompletedTask; };
        try
        {
            await extra.StartAsync();
        }
        catch (Exception error)
        {
            closed.TrySetResult(error);
        }
        var reason = await closed.Task.WaitAsync(TestHubConnection.Patience);
        Assert.Contains("too_many_connections", reason?.Message);

        // The ones that were there work on; closing one makes room for a new one.
        Assert.Equal(1, (await open[0].OpenBookAsync(book.Id)).GetProperty("toVersion").GetInt64());
        await open[^1].DisposeAsync();
        var deadline = DateTime.UtcNow + TestHubConnection.Patience;
        TestHubConnection? next = null;
        while (next is null)
        {
            try
            {
                next = await Server.ConnectAsync(owner);
                await next.OpenBookAsync(book.Id);
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                next = null; // the server may not have seen the close yet
                await Task.Delay(50);
            }
        }
        await next.DisposeAsync();
        foreach (var connection in open.Take(open.Count - 1)) await connection.DisposeAsync();
        await extra.DisposeAsync();
    }

    [Fact]
    public async Task AMessageLargerThanTheLimit_ClosesTheConnection()
    {
        var owner = await Server.NewUserAsync("owner");
        var book = await owner.CreateSharedBookAsync();
        await using var hub = await Server.ConnectAsync(owner);
        var small = NewBill("small", book.WalletId, 1);
        Assert.Equal(2, (await hub.SyncAsync(book.Id, small)).GetProperty("version").GetInt64());

        var large = new { syncId = "large", book = new { remark = new string('r', 200) }, padding = new string('p', TightRealtimeServer.MaxMessageBytes) };
        await Assert.ThrowsAnyAsync<Exception>(() => hub.SyncAsync(book.Id, large));

        await hub.Disconnected.WaitAsync(TestHubConnection.Patience);
        Assert.Equal(HubConnectionState.Disconnected, hub.Connection.State);
        // Nothing of it was applied.
        await using var again = await Server.ConnectAsync(owner);
        Assert.Equal(2, (await again.OpenBookAsync(book.Id)).GetProperty("toVersion").GetInt64());
    }
}
