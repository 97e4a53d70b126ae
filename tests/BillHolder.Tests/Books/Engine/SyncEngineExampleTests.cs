using BillHolder.Server.Books.Engine;
using static BillHolder.Server.Books.Engine.RecordStatus;
using static BillHolder.Tests.Books.Engine.SyncTestData;

namespace BillHolder.Tests.Books.Engine;

// Worked examples of the README's sync rules on book B0 (SyncTestData.B0: wallet 1 = 70, wallet 2 = 55).
public sealed class SyncEngineExampleTests
{
    public static TheoryData<string, long, long> BalanceExamples => new()
    {
        { "modify b1 amount to 15", 65, 55 },
        { "modify b1 wallet to 2", 80, 45 },
        { "delete t1", 90, 35 },
        { "modify i1 amount to 60", 30, 55 },
    };

    private static SyncRequest ExampleRequest(string name) => name switch
    {
        "modify b1 amount to 15" => Request(bills: [B(1, Modified, wallet: 1, amount: 15)]),
        "modify b1 wallet to 2" => Request(bills: [B(1, Modified, wallet: 2, amount: 10)]),
        "delete t1" => Request(transfers: [T(1, Deleted)]),
        "modify i1 amount to 60" => Request(incomes: [I(1, Modified, wallet: 1, amount: 60)]),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(BalanceExamples))]
    public void Sync_ExampleMovesBalances(string example, long wallet1, long wallet2)
    {
        var applied = Applied(SyncEngine.Apply(B0(), ExampleRequest(example), Alice, Now));

        Assert.Equal(wallet1, Balance(applied.Book, 1));
        Assert.Equal(wallet2, Balance(applied.Book, 2));
        Assert.Equal(2, applied.Book.Version);
        Assert.True(applied.Changes.Any);
        Assert.Empty(applied.Skipped);
        Assert.All(BookBalances.Recompute(applied.Book), check => Assert.True(check.Consistent));
    }

    [Theory]
    [MemberData(nameof(BalanceExamples))]
    public void Sync_OnlyWalletsWhoseBalanceMovedAreChangedAtTheNewVersion(string example, long wallet1, long wallet2)
    {
        var applied = Applied(SyncEngine.Apply(B0(), ExampleRequest(example), Alice, Now));

        var expectedChanged = new[] { (1L, wallet1 != 70), (2L, wallet2 != 55) }
            .Where(w => w.Item2).Select(w => w.Item1).ToArray();
        Assert.Equal(expectedChanged, applied.Changes.Wallets.Changed.Select(w => w.Id).ToArray());
        Assert.All(applied.Changes.Wallets.Changed, w => Assert.Equal(2, w.Version));
        Assert.All(applied.Changes.Wallets.Changed, w => Assert.Equal(Bob, w.LastEditedBy));
        Assert.Equal(0, applied.Changes.Wallets.ModifiedCount);
        foreach (var walletId in new long[] { 1, 2 }.Except(expectedChanged))
        {
            Assert.Equal(1, applied.Book.Wallets[walletId].Version);
        }
    }

    [Fact]
    public void Sync_NewWalletWithNewBillAndTransferGetsServerIds()
    {
        var request = Request(
            wallets: [W(-1, New)],
            bills: [B(-1, New, wallet: -1, amount: 7)],
            transfers: [T(-5, New, from: 1, to: -1, amount: 30)]);

        var applied = Applied(SyncEngine.Apply(B0(), request, Alice, Now));

        var book = applied.Book;
        Assert.Equal(23, Balance(book, 3));
        Assert.Equal(40, Balance(book, 1));
        Assert.Equal(55, Balance(book, 2));
        Assert.Equal(3, book.Bills[3].WalletId);
        Assert.Equal(7, book.Bills[3].Amount);
        Assert.Equal((1L, 3L, 30L), (book.Transfers[2].FromWalletId, book.Transfers[2].ToWalletId, book.Transfers[2].Amount));
        Assert.Equal(new Dictionary<long, long> { [-1] = 3 }, applied.IdMap.Wallets);
        Assert.Equal(new Dictionary<long, long> { [-1] = 3 }, applied.IdMap.Bills);
        Assert.Equal(new Dictionary<long, long> { [-5] = 2 }, applied.IdMap.Transfers);
        Assert.Empty(applied.IdMap.Incomes);
        Assert.Equal(new ByCollection<long>(4, 4, 3, 3), book.NextIds);
        Assert.Equal((1, 1, 1), (applied.Changes.Wallets.NewCount, applied.Changes.Bills.NewCount, applied.Changes.Transfers.NewCount));
    }

    [Fact]
    public void Sync_SynchronizedRecordIsIgnoredAndNothingChanges()
    {
        var b0 = B0();
        var request = Request(bills: [B(1, Synchronized, wallet: 1, amount: 999)]);

        var applied = Applied(SyncEngine.Apply(b0, request, Alice, Now));

        Assert.Same(b0, applied.Book);
        Assert.Equal(1, applied.Book.Version);
        Assert.Equal(10, applied.Book.Bills[1].Amount);
        Assert.False(applied.Changes.Any);
        Assert.Empty(applied.Skipped);
    }

    [Fact]
    public void Sync_DeletingWalletInUseIsRejectedWithEveryReference()
    {
        var b0 = B0();

        var rejected = Rejected(SyncEngine.Apply(b0, Request(wallets: [W(2, Deleted)]), Alice, Now));

        Assert.Equal("wallet_in_use", rejected.Code);
        Assert.Equal(
            [new RecordRef(Collection.Bills, 2), new RecordRef(Collection.Transfers, 1), new RecordRef(Collection.Incomes, 2)],
            rejected.References);
        Assert.True(b0.Wallets.ContainsKey(2));
        Assert.Equal(1, b0.Version);
    }

    [Fact]
    public void Sync_IdsAreNeverReusedAfterDeletingTheHighest()
    {
        var first = Applied(SyncEngine.Apply(B0(), Request(bills: [B(2, Deleted)]), Alice, Now));
        var second = Applied(SyncEngine.Apply(first.Book, Request(bills: [B(-1, New, wallet: 1, amount: 1)]), Alice, Now));
        var third = Applied(SyncEngine.Apply(second.Book, Request(bills: [B(3, Deleted)]), Alice, Now));
        var fourth = Applied(SyncEngine.Apply(third.Book, Request(bills: [B(-1, New, wallet: 1, amount: 1)]), Alice, Now));

        Assert.Equal(3, second.IdMap.Bills[-1]);
        Assert.Equal(4, fourth.IdMap.Bills[-1]);
        Assert.Equal([1L, 4L], fourth.Book.Bills.Keys);
        Assert.Equal([2L, 3L, 4L, 5L], new[] { first, second, third, fourth }.Select(a => a.Book.Version));
    }

    [Fact]
    public void Sync_DeletingWalletTogetherWithAllItsRecordsApplies()
    {
        var request = Request(wallets: [W(2, Deleted)], bills: [B(2, Deleted)], transfers: [T(1, Deleted)],
            incomes: [I(2, Deleted)]);

        var applied = Applied(SyncEngine.Apply(B0(), request, Alice, Now));

        Assert.Equal([1L], applied.Book.Wallets.Keys);
        Assert.Equal(90, Balance(applied.Book, 1));
        Assert.Equal([2L], applied.Changes.Wallets.Deleted);
        Assert.Equal(1, applied.Changes.Transfers.Counts.Deleted);
    }
}
