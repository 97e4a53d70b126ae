using System.Text.Json;
using BillHolder.Tests.Infrastructure;
using static BillHolder.Tests.Infrastructure.TestClient;

namespace BillHolder.Tests.Realtime;

// Rule 12 over the hub: Bob, offline on version 2, syncs his edit of the bill Alice corrected; Alice is told.
public sealed class BookHubMergeTests(BillHolderServer server) : IClassFixture<BillHolderServer>
{
    private static object BillAt(long id, long wallet, long amount, string category, string remark) =>
        new { id, status = 1, walletId = wallet, amount, date = 1, category, remark, version = 2 };

    private async Task<(UserClient Alice, UserClient Bob, SharedBook Book, long BillId)> AliceCorrectsTheAmountAsync()
    {
        var alice = await server.NewUserAsync("alice");
        var bob = await server.NewUserAsync("bob");
        var book = await alice.CreateSharedBookAsync(bob);
        var created = await alice.SyncOkAsync(book.Id, new
        {
            syncId = "add", baseVersion = 1,
            bills = new[] { new { id = -1, status = 3, walletId = book.WalletId, amount = 1250, date = 1, category = "groceries", remark = "market" } },
        });
        var billId = created.GetProperty("idMap").GetProperty("bills").GetProperty("-1").GetInt64();
        await alice.SyncOkAsync(book.Id, new { syncId = "correct", baseVersion = 2, bills = new[] { BillAt(billId, book.WalletId, 1300, "groceries", "market") } });
        return (alice, bob, book, billId);
    }

    private static JsonElement Bill(JsonElement changes, long id) =>
        changes.GetProperty("bills").EnumerateArray().Single(b => b.GetProperty("id").GetInt64() == id);

    [Fact]
    public async Task Sync_DisjointFields_PushTheMergedBillWithoutConflicts()
    {
        var (alice, bob, book, billId) = await AliceCorrectsTheAmountAsync();
        await using var aliceHub = await server.ConnectAsync(alice);
        await using var bobHub = await server.ConnectAsync(bob);
        await aliceHub.OpenBookAsync(book.Id, 3);
        await bobHub.OpenBookAsync(book.Id, 2);

        var result = await bobHub.SyncAsync(book.Id, new
        {
            syncId = "bob", baseVersion = 2, bills = new[] { BillAt(billId, book.WalletId, 1250, "food", "market (bob)") },
        });

        Assert.Equal(0, result.GetProperty("conflicts").GetArrayLength());
        var pushed = await aliceHub.NextChangeAsync();
        var bill = Bill(pushed, billId);
        Assert.Equal((1300L, "food", "market (bob)"),
            (bill.GetProperty("amount").GetInt64(), bill.GetProperty("category").GetString(), bill.GetProperty("remark").GetString()));
        Assert.Equal(0, pushed.GetProperty("conflicts").GetArrayLength());
    }

    [Fact]
    public async Task Sync_BothChangeTheAmount_TheConflictGoesToBobAndIsPushedToAlice()
    {
        var (alice, bob, book, billId) = await AliceCorrectsTheAmountAsync();
        await using var aliceHub = await server.ConnectAsync(alice);
        await using var bobHub = await server.ConnectAsync(bob);
        await aliceHub.OpenBookAsync(book.Id, 3);
        await bobHub.OpenBookAsync(book.Id, 2);

        var result = await bobHub.SyncAsync(book.Id, new
        {
            syncId = "bob", baseVersion = 2, bills = new[] { BillAt(billId, book.WalletId, 1400, "groceries", "market") },
        });

        var expected = $$"""{"collection":"bills","id":{{billId}},"field":"amount","base":1250,"theirs":1300,"yours":1400}""";
        Assert.Equal(expected, Assert.Single(result.GetProperty("conflicts").EnumerateArray()).GetRawText());
        var pushed = await aliceHub.NextChangeAsync();
        Assert.Equal(1400, Bill(pushed, billId).GetProperty("amount").GetInt64());
        var conflict = Assert.Single(pushed.GetProperty("conflicts").EnumerateArray());
        Assert.Equal((4L, bob.Username, 1300L, 1400L), (conflict.GetProperty("version").GetInt64(), conflict.GetProperty("username").GetString(),
            conflict.GetProperty("theirs").GetInt64(), conflict.GetProperty("yours").GetInt64()));

        // Alice's other device, offline at the time, learns of it when it opens the book from version 3.
        await using var aliceLater = await server.ConnectAsync(alice);
        var delta = await aliceLater.OpenBookAsync(book.Id, 3);
        Assert.Equal(conflict.GetRawText(), Assert.Single(delta.GetProperty("conflicts").EnumerateArray()).GetRawText());
    }
}
