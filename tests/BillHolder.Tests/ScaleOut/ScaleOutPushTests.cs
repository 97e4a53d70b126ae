using System.Net;
using System.Net.Http.Json;
using BillHolder.Server.Realtime;
using BillHolder.Tests.Infrastructure;
using BillHolder.Tests.Realtime;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using static BillHolder.Tests.Infrastructure.TestClient;

namespace BillHolder.Tests.ScaleOut;

// Two instances on one database and one Redis. The version poll is slow, so pushes in these tests travel by
// notice; a short presence TTL shows the sweep within a test's patience.
public sealed class TwoInstances : IAsyncLifetime
{
    public ServerCluster Cluster { get; } = new()
    {
        Settings = { ["Realtime:VersionPollSeconds"] = "600", ["Realtime:PresenceTtlSeconds"] = "3" },
    };

    public Task InitializeAsync() => Cluster.InitializeAsync();

    public Task DisposeAsync() => Cluster.DisposeAsync();
}

public sealed class ScaleOutPushTests(TwoInstances fixture) : IClassFixture<TwoInstances>
{
    private ServerCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task SyncsThroughRestOnA_ReachHubListenersOnB_InVersionOrder_OnceEach()
    {
        var alice = await Cluster.A.NewUserAsync("alice");
        var bob = await Cluster.A.NewUserAsync("bob");
        var book = await alice.CreateSharedBookAsync(bob);
        await using var bobOnB = await Cluster.B.ConnectAsync(bob);
        await bobOnB.OpenBookAsync(book.Id, 1);

        for (var i = 0; i < 8; i++) await alice.SyncOkAsync(book.Id, NewBill($"rest-{i}", book.WalletId, 1));

        for (var version = 2; version <= 9; version++)
        {
            var changes = await bobOnB.NextChangeAsync();
            Assert.Equal(version - 1, changes.GetProperty("fromVersion").GetInt64());
            Assert.Equal(version, changes.GetProperty("toVersion").GetInt64());
            Assert.Single(changes.GetProperty("bills").EnumerateArray());
        }
        await bobOnB.RoundTripAsync();
        Assert.False(bobOnB.TryTakeChange(out var extra), $"pushed twice: {extra}");
    }

    [Fact]
    public async Task AHubSyncOnB_ReachesAListenerOnA_ButNotTheConnectionThatSentIt()
    {
        var alice = await Cluster.A.NewUserAsync("alice");
        var bob = await Cluster.A.NewUserAsync("bob");
        var book = await alice.CreateSharedBookAsync(bob);
        await using var aliceOnA = await Cluster.A.ConnectAsync(alice);
        await using var bobOnB = await Cluster.B.ConnectAsync(bob);
        await aliceOnA.OpenBookAsync(book.Id, 1);
        await bobOnB.OpenBookAsync(book.Id, 1);

        var answer = await bobOnB.SyncAsync(book.Id, NewBill("hub-1", book.WalletId, 7));

        var pushed = await aliceOnA.NextChangeAsync();
        Assert.Equal(answer.GetProperty("version").GetInt64(), pushed.GetProperty("toVersion").GetInt64());
        await bobOnB.RoundTripAsync();
        Assert.False(bobOnB.TryTakeChange(out _));
    }

    [Fact]
    public async Task ListenersOnBothInstances_SeeInterleavedSyncsFromBoth_InOneOrder()
    {
        var alice = await Cluster.A.NewUserAsync("alice");
        var bob = await Cluster.A.NewUserAsync("bob");
        var book = await alice.CreateSharedBookAsync(bob);
        await using var onA = await Cluster.A.ConnectAsync(alice);
        await using var onB = await Cluster.B.ConnectAsync(bob);
        await onA.OpenBookAsync(book.Id, 1);
        await onB.OpenBookAsync(book.Id, 1);
        var bobOnA = bob with { Http = Cluster.A.Anonymous() };
        var aliceOnB = alice with { Http = Cluster.B.Anonymous() };
        aliceOnB.Http.DefaultRequestHeaders.Authorization = alice.Http.DefaultRequestHeaders.Authorization;
        bobOnA.Http.DefaultRequestHeaders.Authorization = bob.Http.DefaultRequestHeaders.Authorization;

        await Task.WhenAll(
            Task.Run(async () => { for (var i = 0; i < 6; i++) await alice.SyncOkAsync(book.Id, NewBill($"a-{i}", book.WalletId, 1)); }),
            Task.Run(async () => { for (var i = 0; i < 6; i++) await aliceOnB.SyncOkAsync(book.Id, NewBill($"b-{i}", book.WalletId, 1)); }));

        foreach (var listener in new[] { onA, onB })
        {
            for (var version = 2; version <= 13; version++)
            {
                Assert.Equal(version, (await listener.NextChangeAsync()).GetProperty("toVersion").GetInt64());
            }
            await listener.RoundTripAsync();
            Assert.False(listener.TryTakeChange(out _));
        }
    }

    [Fact]
    public async Task Presence_ListsTheUsersOfEveryInstance()
    {
        var alice = await Cluster.A.NewUserAsync("alice");
        var bob = await Cluster.A.NewUserAsync("bob");
        var book = await alice.CreateSharedBookAsync(bob);
        await using var aliceOnA = await Cluster.A.ConnectAsync(alice);
        var bobOnB = await Cluster.B.ConnectAsync(bob);

        await aliceOnA.OpenBookAsync(book.Id);
        await bobOnB.OpenBookAsync(book.Id);
        await aliceOnA.PresenceUntilAsync(book.Id, alice.Username, bob.Username);
        await bobOnB.PresenceUntilAsync(book.Id, alice.Username, bob.Username);

        await bobOnB.DisposeAsync();
        await aliceOnA.PresenceUntilAsync(book.Id, alice.Username);
    }

    [Fact]
    public async Task ADeadInstancesPresence_ExpiresWithinTheTtl_AndTheSweepTellsTheBook()
    {
        var alice = await Cluster.A.NewUserAsync("alice");
        var book = await alice.CreateSharedBookAsync();
        await using var aliceOnA = await Cluster.A.ConnectAsync(alice);
        await aliceOnA.OpenBookAsync(book.Id);
        await aliceOnA.PresenceUntilAsync(book.Id, alice.Username);

        // What an instance killed with kill -9 leaves: its entry, refreshed by nobody, and its last notice.
        await using var redis = await ConnectionMultiplexer.ConnectAsync(Cluster.RedisAddress);
        var db = redis.GetDatabase();
        var expires = DateTimeOffset.UtcNow.AddSeconds(2).ToUnixTimeMilliseconds();
        await db.SortedSetAddAsync($"{Cluster.KeyPrefix}presence:{book.Id}", "dead|ghost", expires);
        await redis.GetSubscriber().PublishAsync(RedisChannel.Literal($"{Cluster.KeyPrefix}{ClusterNotices.PresenceChannel}"),
            $$"""{"bookId":{{book.Id}},"origin":"dead"}""");

        await aliceOnA.PresenceUntilAsync(book.Id, alice.Username, "ghost");
        var started = DateTime.UtcNow;
        await aliceOnA.PresenceUntilAsync(book.Id, alice.Username);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(3 + 2), "gone within the TTL and a heartbeat");
    }

    [Fact]
    public async Task RemovingAMemberThroughB_ClosesTheBookOnA_AtOnce()
    {
        var alice = await Cluster.A.NewUserAsync("alice");
        var bob = await Cluster.A.NewUserAsync("bob");
        var book = await alice.CreateSharedBookAsync(bob);
        await using var bobOnA = await Cluster.A.ConnectAsync(bob);
        await bobOnA.OpenBookAsync(book.Id);
        var aliceOnB = Cluster.B.Anonymous();
        aliceOnB.DefaultRequestHeaders.Authorization = alice.Http.DefaultRequestHeaders.Authorization;

        (await aliceOnB.DeleteAsync($"/api/books/{book.Id}/members/{bob.Username}")).EnsureSuccessStatusCode();

        Assert.Equal((book.Id, BookClosedReasons.MembershipRemoved), await bobOnA.NextClosedAsync());
    }

    [Fact]
    public async Task DeletingABookThroughB_ClosesItOnA()
    {
        var alice = await Cluster.A.NewUserAsync("alice");
        var book = await alice.CreateSharedBookAsync();
        await using var aliceOnA = await Cluster.A.ConnectAsync(alice);
        await aliceOnA.OpenBookAsync(book.Id);
        var aliceOnB = Cluster.B.Anonymous();
        aliceOnB.DefaultRequestHeaders.Authorization = alice.Http.DefaultRequestHeaders.Authorization;

        Assert.Equal(HttpStatusCode.NoContent, (await aliceOnB.DeleteAsync($"/api/books/{book.Id}")).StatusCode);

        Assert.Equal((book.Id, BookClosedReasons.BookDeleted), await aliceOnA.NextClosedAsync());
    }

    [Fact]
    public async Task LoggingOutThroughA_ClosesTheSessionsHubConnectionOnB()
    {
        var alice = await Cluster.A.NewUserAsync("alice");
        await using var aliceOnB = await Cluster.B.ConnectAsync(alice);

        var logout = await alice.Http.PostAsJsonAsync("/api/auth/logout", new { refreshToken = alice.RefreshToken });
        Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);

        await aliceOnB.Disconnected.WaitAsync(TestHubConnection.Patience);
    }
}

// The same with a quick version poll: what it makes good when notices are lost.
public sealed class TwoPollingInstances : IAsyncLifetime
{
    public ServerCluster Cluster { get; } = new() { Settings = { ["Realtime:VersionPollSeconds"] = "1" } };

    public Task InitializeAsync() => Cluster.InitializeAsync();

    public Task DisposeAsync() => Cluster.DisposeAsync();
}

public sealed class ScaleOutPollTests(TwoPollingInstances fixture) : IClassFixture<TwoPollingInstances>
{
    private ServerCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task ANoticeDroppedOnTheWay_IsMadeGoodByTheVersionPoll()
    {
        var alice = await Cluster.A.NewUserAsync("alice");
        var bob = await Cluster.A.NewUserAsync("bob");
        var book = await alice.CreateSharedBookAsync(bob);
        await using var bobOnB = await Cluster.B.ConnectAsync(bob);
        await bobOnB.OpenBookAsync(book.Id, 1);
        var listener = Cluster.B.App.Services.GetRequiredService<ClusterListener>();

        listener.DropBookNotices = true;
        try
        {
            await alice.SyncOkAsync(book.Id, NewBill("lost-1", book.WalletId, 3));
            await alice.SyncOkAsync(book.Id, NewBill("lost-2", book.WalletId, 4));

            Assert.Equal(2, (await bobOnB.NextChangeAsync()).GetProperty("toVersion").GetInt64());
            Assert.Equal(3, (await bobOnB.NextChangeAsync()).GetProperty("toVersion").GetInt64());
        }
        finally
        {
            listener.DropBookNotices = false;
        }
        await alice.SyncOkAsync(book.Id, NewBill("heard", book.WalletId, 5));
        Assert.Equal(4, (await bobOnB.NextChangeAsync()).GetProperty("toVersion").GetInt64());
    }

    [Fact]
    public async Task OpenBookOnB_GetsNoPushOfWhatItsAnswerHeld()
    {
        var alice = await Cluster.A.NewUserAsync("alice");
        var bob = await Cluster.A.NewUserAsync("bob");
        var book = await alice.CreateSharedBookAsync(bob);
        await using var first = await Cluster.B.ConnectAsync(bob);
        await first.OpenBookAsync(book.Id, 1);
        await Cluster.B.App.Services.GetRequiredService<ClusterListener>().WhileDroppingAsync(async () =>
        {
            await alice.SyncOkAsync(book.Id, NewBill("before-open", book.WalletId, 1));
            await using var second = await Cluster.B.ConnectAsync(bob);
            var answer = await second.OpenBookAsync(book.Id, 1);
            Assert.Equal(2, answer.GetProperty("toVersion").GetInt64());
            // The poll then pushes version 2 to the first connection, which had not seen it, and not to the second.
            Assert.Equal(2, (await first.NextChangeAsync()).GetProperty("toVersion").GetInt64());
            await second.RoundTripAsync();
            Assert.False(second.TryTakeChange(out _));
        });
    }
}

internal static class ClusterListenerTestExtensions
{
    // Runs the test part while this instance hears no change notices: only the version poll tells it.
    public static async Task WhileDroppingAsync(this ClusterListener listener, Func<Task> part)
    {
        listener.DropBookNotices = true;
        try
        {
            await part();
        }
        finally
        {
            listener.DropBookNotices = false;
        }
    }
}
