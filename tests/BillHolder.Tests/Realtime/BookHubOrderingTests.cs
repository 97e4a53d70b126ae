using System.Text.Json;
using BillHolder.Tests.Infrastructure;
using static BillHolder.Tests.Infrastructure.TestClient;
using static BillHolder.Tests.Realtime.HubTestBooks;

namespace BillHolder.Tests.Realtime;

public sealed class BookHubOrderingTests(BillHolderServer server) : IClassFixture<BillHolderServer>
{
    private const int Writers = 4;
    private const int SyncsPerWriter = 8;

    [Fact]
    public async Task ConcurrentWriters_EveryListenerSeesEachVersionOnce_InOrder()
    {
        var owner = await server.NewUserAsync("owner");
        var users = new List<UserClient>();
        for (var i = 0; i < Writers; i++) users.Add(await server.NewUserAsync($"writer{i}"));
        var book = await owner.CreateSharedBookAsync([.. users]);
        await using var listenerA = await server.ConnectAsync(owner);
        await using var listenerB = await server.ConnectAsync(owner);
        await listenerA.OpenBookAsync(book.Id);
        await listenerB.OpenBookAsync(book.Id);
        var writers = new List<TestHubConnection>();
        foreach (var user in users)
        {
            var hub = await server.ConnectAsync(user);
            writers.Add(hub);
            await hub.OpenBookAsync(book.Id);
        }

        await using var latecomer = await server.ConnectAsync(owner);

        try
        {
            // Half the writers use the hub, half REST, all at once; one more reader opens the book meanwhile.
            var lateOpen = Task.Run(async () =>
            {
                await Task.Yield();
                return (await latecomer.OpenBookAsync(book.Id)).GetProperty("toVersion").GetInt64();
            });
            var written = await Task.WhenAll(writers.Select((hub, w) => Task.Run(async () =>
            {
                var versions = new List<long>();
                for (var s = 0; s < SyncsPerWriter; s++)
                {
                    var request = NewBill($"w{w}-s{s}", book.WalletId, amount: 1);
                    var result = w % 2 == 0 ? await hub.SyncAsync(book.Id, request) : await users[w].SyncOkAsync(book.Id, request);
                    versions.Add(result.GetProperty("version").GetInt64());
                }
                return versions;
            })));

            const long last = 1 + Writers * SyncsPerWriter;
            Assert.Equal(LongRange(2, last), written.SelectMany(v => v).Order());

            foreach (var listener in new[] { listenerA, listenerB })
            {
                var seen = await TakeChangesAsync(listener, Writers * SyncsPerWriter);
                AssertContiguous(seen, from: 1, to: last);
                // Every push carries the balance as of its version: one unit less per version.
                Assert.Equal(OpeningBalance - (last - 1), Balance(seen[^1], book.WalletId));
            }

            // The latecomer's answer covers up to some version; pushes continue exactly from there.
            var openedAt = await lateOpen;
            AssertContiguous(await TakeChangesAsync(latecomer, (int)(last - openedAt)), from: openedAt, to: last);

            // A hub writer sees everyone's versions but its own; a REST writer, whose syncs have no connection, sees all.
            for (var w = 0; w < Writers; w++)
            {
                var expected = w % 2 == 0 ? LongRange(2, last).Except(written[w]).ToList() : LongRange(2, last);
                var seen = await TakeChangesAsync(writers[w], expected.Count);
                Assert.Equal(expected, seen.Select(c => c.GetProperty("toVersion").GetInt64()));
                Assert.All(seen, c => Assert.Equal(c.GetProperty("toVersion").GetInt64() - 1, c.GetProperty("fromVersion").GetInt64()));
            }

            // Nothing beyond that: a final sync from the owner is the next push everyone gets.
            await owner.SyncOkAsync(book.Id, NewBill("final", book.WalletId, 1));
            foreach (var hub in writers.Append(listenerA).Append(listenerB).Append(latecomer))
            {
                Assert.Equal(last + 1, (await hub.NextChangeAsync()).GetProperty("toVersion").GetInt64());
            }
        }
        finally
        {
            foreach (var hub in writers) await hub.DisposeAsync();
        }
    }

    private static async Task<List<JsonElement>> TakeChangesAsync(TestHubConnection hub, int count)
    {
        var changes = new List<JsonElement>();
        for (var i = 0; i < count; i++) changes.Add(await hub.NextChangeAsync());
        return changes;
    }

    private static void AssertContiguous(List<JsonElement> changes, long from, long to)
    {
        var expectedFrom = from;
        foreach (var change in changes)
        {
            Assert.Equal(expectedFrom, change.GetProperty("fromVersion").GetInt64());
            Assert.Equal(expectedFrom + 1, change.GetProperty("toVersion").GetInt64());
            expectedFrom = change.GetProperty("toVersion").GetInt64();
        }
        Assert.Equal(to, expectedFrom);
    }

    private static List<long> LongRange(long first, long last) => [.. Enumerable.Range(0, (int)(last - first + 1)).Select(i => first + i)];
}
