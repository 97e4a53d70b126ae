using System.Text.Json;
using BillHolder.Server.Books.Engine;
using static BillHolder.Tests.Books.Engine.SyncTestData;

namespace BillHolder.Tests.Books.Engine;

public sealed class SyncRecordsTests
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    [Fact]
    public void StoredWallet_SerializesAsTheClientShapeWithStatusZero()
    {
        var json = JsonSerializer.Serialize(new Wallet(3, "Cash", null, -5, 20, "r", 1, 2, 7, Alice, Bob), Web);

        var names = JsonDocument.Parse(json).RootElement.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal);
        Assert.Equal(["balance", "color", "createdAt", "createdBy", "id", "lastEditedAt", "lastEditedBy", "name",
            "openingBalance", "remark", "status", "version"], names);
        Assert.Contains("\"status\":0", json);
    }

    [Fact]
    public void StoredTransfer_RoundTripsThroughJson()
    {
        var transfer = new Transfer(2, 1, 3, 30, 9, null, 4, 5, 6, Alice, Bob);

        var back = JsonSerializer.Deserialize<Transfer>(JsonSerializer.Serialize(transfer, Web), Web);

        Assert.Equal(transfer, back);
    }

    [Fact]
    public void EmptyBook_StartsAtVersionZeroWithCountersAtOne()
    {
        var book = BookState.Empty("Home", "ours");

        Assert.Equal((0L, "Home", "ours"), (book.Version, book.Name, book.Remark));
        Assert.Equal(new ByCollection<long>(1, 1, 1, 1), book.NextIds);
        Assert.Empty(book.Wallets);
    }

    [Fact]
    public void Recompute_ReportsStoredAgainstRecomputedBalances()
    {
        var drifted = B0() with { Wallets = Dict(StoredWallet(1, 0, 70), StoredWallet(2, 0, 50)) };

        var checks = BookBalances.Recompute(drifted);

        Assert.Equal([new WalletBalanceCheck(1, 70, 70), new WalletBalanceCheck(2, 50, 55)], checks);
        Assert.Equal([true, false], checks.Select(c => c.Consistent));
    }

    [Fact]
    public void Recompute_ReportsNullWhenTheTrueBalanceOverflows()
    {
        var book = B0() with { Wallets = Dict(StoredWallet(1, long.MaxValue, 0), StoredWallet(2, 0, 55)) };

        var check = BookBalances.Recompute(book)[0];

        Assert.Null(check.Recomputed);
        Assert.False(check.Consistent);
    }

    [Fact]
    public void Sync_FailedSyncLeavesTheCachedBookUntouched()
    {
        var b0 = B0();
        var before = (b0.Wallets, b0.Bills, b0.Bills[1]);

        Rejected(SyncEngine.Apply(b0, Request(wallets: [SyncTestData.W(1, RecordStatus.Deleted)],
            bills: [SyncTestData.B(1, RecordStatus.Modified, wallet: 2, amount: 3), SyncTestData.B(-1, RecordStatus.New, wallet: 1)]), Alice, Now));

        Assert.Equal(before, (b0.Wallets, b0.Bills, b0.Bills[1]));
        Assert.Equal([1L, 2L], b0.Bills.Keys);
        Assert.Equal(70, Balance(b0, 1));
    }
}
