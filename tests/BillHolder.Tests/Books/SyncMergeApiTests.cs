using System.Net;
using System.Text.Json;
using BillHolder.Tests.Infrastructure;
using Dapper;

namespace BillHolder.Tests.Books;

// Rule 12 over REST: Alice corrects bill 1's amount while Bob, offline on an older version, edits the same bill.
public sealed class SyncMergeApiTests(BillHolderServer server) : IClassFixture<BillHolderServer>
{
    private sealed record Scenario(UserClient Alice, UserClient Bob, long BookId, long WalletId, long BillId, long BobsVersion);

    // Version 2: bill {1250, groceries, market}, as both last received it; version 3: Alice's amount 1300.
    private async Task<Scenario> AliceCorrectsTheAmountAsync()
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
        await alice.SyncOkAsync(book.Id, new
        {
            syncId = "correct", baseVersion = 2,
            bills = new[] { new { id = billId, status = 1, walletId = book.WalletId, amount = 1300, date = 1, category = "groceries", remark = "market", version = 2 } },
        });
        return new Scenario(alice, bob, book.Id, book.WalletId, billId, 2);
    }

    private static object BobsSync(Scenario s, string syncId, long amount, string category, string remark, bool echoVersion = true) => new
    {
        syncId, baseVersion = s.BobsVersion,
        bills = new object[]
        {
            echoVersion
                ? new { id = s.BillId, status = 1, walletId = s.WalletId, amount, date = 1, category, remark, version = (long?)s.BobsVersion }
                : new { id = s.BillId, status = 1, walletId = s.WalletId, amount, date = 1, category, remark, version = (long?)null },
        },
    };

    private static async Task<JsonElement> BillAsync(Scenario s) =>
        (await s.Alice.BookAsync(s.BookId)).GetProperty("bills").EnumerateArray().Single(b => b.GetProperty("id").GetInt64() == s.BillId);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Sync_DisjointFieldEditsOfOneBillBothSurvive(bool echoVersion)
    {
        var s = await AliceCorrectsTheAmountAsync();

        var result = await s.Bob.SyncOkAsync(s.BookId, BobsSync(s, "bob", 1250, "food", "market (bob)", echoVersion));

        var bill = await BillAsync(s);
        Assert.Equal((1300L, "food", "market (bob)"),
            (bill.GetProperty("amount").GetInt64(), bill.GetProperty("category").GetString(), bill.GetProperty("remark").GetString()));
        Assert.Equal("[]", result.GetProperty("conflicts").GetRawText());
        Assert.Equal("[]", result.GetProperty("wholeRecords").GetRawText());
        Assert.Equal(TestClient.OpeningBalance - 1300, (await s.Alice.BalancesAsync(s.BookId))[s.WalletId]);
        await s.Alice.AssertConsistentAsync(s.BookId);
    }

    [Fact]
    public async Task Sync_BothChangeTheAmount_BobsAmountAppliesAndTheConflictIsListedAndLogged()
    {
        var s = await AliceCorrectsTheAmountAsync();

        var result = await s.Bob.SyncOkAsync(s.BookId, BobsSync(s, "bob", 1400, "groceries", "market"));

        Assert.Equal(1400, (await BillAsync(s)).GetProperty("amount").GetInt64());
        var conflict = Assert.Single(result.GetProperty("conflicts").EnumerateArray());
        Assert.Equal($$"""{"collection":"bills","id":{{s.BillId}},"field":"amount","base":1250,"theirs":1300,"yours":1400}""", conflict.GetRawText());
        Assert.Equal(TestClient.OpeningBalance - 1400, (await s.Alice.BalancesAsync(s.BookId))[s.WalletId]);

        // A retry answers the first answer, conflicts included.
        var retry = await s.Bob.SyncAsync(s.BookId, BobsSync(s, "bob", 1400, "groceries", "market"));
        Assert.Equal(conflict.GetRawText(), Assert.Single((await retry.ReadJsonAsync(HttpStatusCode.OK)).GetProperty("conflicts").EnumerateArray()).GetRawText());

        // Alice, pulling from her version, learns who overwrote her amount, and at which version.
        var pulled = await (await s.Alice.Http.GetAsync($"/api/books/{s.BookId}/changes?since=3")).ReadJsonAsync(HttpStatusCode.OK);
        var logged = Assert.Single(pulled.GetProperty("conflicts").EnumerateArray());
        Assert.Equal((4L, s.Bob.Username, "amount", 1300L),
            (logged.GetProperty("version").GetInt64(), logged.GetProperty("username").GetString(), logged.GetProperty("field").GetString(),
             logged.GetProperty("theirs").GetInt64()));
        var later = await (await s.Alice.Http.GetAsync($"/api/books/{s.BookId}/changes?since=4")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal("[]", later.GetProperty("conflicts").GetRawText());
    }

    [Fact]
    public async Task Sync_WithoutBase_OrBehindRowsWithoutPreImages_ReplacesTheWholeRecordAndSaysSo()
    {
        var s = await AliceCorrectsTheAmountAsync();

        var noBase = await s.Bob.SyncOkAsync(s.BookId, new
        {
            syncId = "bob-no-base",
            bills = new[] { new { id = s.BillId, status = 1, walletId = s.WalletId, amount = 1250, date = 1, category = "food", remark = "market" } },
        });
        Assert.Equal($$"""[{"collection":"bills","id":{{s.BillId}},"reason":"no_base"}]""", noBase.GetProperty("wholeRecords").GetRawText());
        Assert.Equal(1250, (await BillAsync(s)).GetProperty("amount").GetInt64());

        // Rows written before pre-images were kept: the base is unavailable.
        await using (var connection = await server.Database.Connections().OpenAsync(CancellationToken.None))
        {
            await connection.ExecuteAsync("UPDATE book_change SET pre_images = NULL WHERE book_id = @BookId AND version = 4", new { s.BookId });
        }
        var old = await s.Bob.SyncOkAsync(s.BookId, BobsSync(s, "bob-old", 1250, "food", "market (bob)"));
        Assert.Equal($$"""[{"collection":"bills","id":{{s.BillId}},"reason":"base_unavailable"}]""", old.GetProperty("wholeRecords").GetRawText());
    }

    // Bob's book version (1) predates the bill (created at 2): there is no base to merge from, whatever came after.
    [Fact]
    public async Task Sync_WhoseBaseVersionPredatesTheRecord_ReplacesItWholeAsBaseUnavailable()
    {
        var s = await AliceCorrectsTheAmountAsync();

        var answer = await s.Bob.SyncOkAsync(s.BookId, BobsSync(s with { BobsVersion = 1 }, "bob-before", 1250, "food", "market (bob)", echoVersion: false));

        Assert.Equal($$"""[{"collection":"bills","id":{{s.BillId}},"reason":"base_unavailable"}]""", answer.GetProperty("wholeRecords").GetRawText());
        Assert.Equal(1250, (await BillAsync(s)).GetProperty("amount").GetInt64());
    }

    [Fact]
    public async Task Sync_DeleteOfABillModifiedSinceTheBase_DeletesItAndListsIt()
    {
        var s = await AliceCorrectsTheAmountAsync();

        var result = await s.Bob.SyncOkAsync(s.BookId, new { syncId = "bob-delete", baseVersion = 2, bills = new[] { new { id = s.BillId, status = 2 } } });

        var conflict = Assert.Single(result.GetProperty("conflicts").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, conflict.GetProperty("field").ValueKind);
        Assert.Equal(JsonValueKind.Null, conflict.GetProperty("yours").ValueKind);
        Assert.Equal((1250L, 1300L), (conflict.GetProperty("base").GetProperty("amount").GetInt64(), conflict.GetProperty("theirs").GetProperty("amount").GetInt64()));
        Assert.Empty((await s.Alice.BookAsync(s.BookId)).GetProperty("bills").EnumerateArray());
    }
}
