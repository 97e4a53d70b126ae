using BillHolder.Server.Books.Engine;
using static BillHolder.Server.Books.Engine.RecordStatus;
using static BillHolder.Tests.Books.Engine.SyncTestData;

namespace BillHolder.Tests.Books.Engine;

public sealed class SyncEngineRuleTests
{
    [Fact]
    public void Sync_ProvisionalIdEqualToExistingWalletMeansTheNewWallet()
    {
        var request = Request(wallets: [W(2, New)], bills: [B(-1, New, wallet: 2, amount: 7), B(1, Modified, wallet: 2, amount: 10)]);

        var book = Applied(SyncEngine.Apply(B0(), request, Alice, Now)).Book;

        Assert.Equal(3, book.Bills[3].WalletId);
        Assert.Equal(3, book.Bills[1].WalletId);
        Assert.Equal(-17, Balance(book, 3));
        Assert.Equal(55, Balance(book, 2));
    }

    [Fact]
    public void Sync_WalletReferencesResolveExactlyOnce()
    {
        // -1 becomes 3 and 3 becomes 4: a reference to 3 means the wallet sent as 3, not 3 remapped again.
        var request = Request(wallets: [W(-1, New, opening: 100), W(3, New, opening: 200)],
            incomes: [I(-1, New, wallet: 3, amount: 1), I(-2, New, wallet: -1, amount: 2)]);

        var applied = Applied(SyncEngine.Apply(B0(), request, Alice, Now));

        Assert.Equal(new Dictionary<long, long> { [-1] = 3, [3] = 4 }, applied.IdMap.Wallets);
        Assert.Equal(4, applied.Book.Incomes[applied.IdMap.Incomes[-1]].WalletId);
        Assert.Equal(3, applied.Book.Incomes[applied.IdMap.Incomes[-2]].WalletId);
        Assert.Equal(102, Balance(applied.Book, 3));
        Assert.Equal(201, Balance(applied.Book, 4));
    }

    // Internal types cannot appear in public theory signatures, so cases are keyed by scenario name.
    private static readonly Dictionary<string, (SyncRequest Request, string[] Keys)> UnknownWallet = new()
    {
        ["new bill, missing wallet"] = (Request(bills: [B(-1, New, wallet: 99, amount: 1)]), ["bills[0].walletId"]),
        ["modified transfer, missing wallet"] = (Request(transfers: [T(1, Modified, from: 1, to: 99, amount: 1)]), ["transfers[0].toWalletId"]),
        ["both transfer ends"] = (Request(transfers: [T(-1, New, from: 98, to: 99, amount: 1)]), ["transfers[0].fromWalletId", "transfers[0].toWalletId"]),
        ["income to wallet deleted here"] = (Request(wallets: [W(2, Deleted)], incomes: [I(-1, New, wallet: 1, amount: 1), I(-2, New, wallet: 2, amount: 1)]), ["incomes[1].walletId"]),
        ["id just handed to a new wallet"] = (Request(wallets: [W(-1, New)], bills: [B(-1, New, wallet: 3, amount: 1)]), ["bills[0].walletId"]),
        ["no-op modify onto deleted wallet"] = (Request(wallets: [W(2, Deleted)], bills: [B(2, Modified, wallet: 2, amount: 5)]), ["bills[0].walletId"]),
        ["all collections"] = (
            Request(bills: [B(1, Modified, wallet: 7, amount: 1)], incomes: [I(-4, New, wallet: 8)], transfers: [T(-1, New, from: 1, to: 9)]),
            ["bills[0].walletId", "incomes[0].walletId", "transfers[0].toWalletId"]),
    };

    public static TheoryData<string> UnknownWalletCases => new(UnknownWallet.Keys);

    [Theory]
    [MemberData(nameof(UnknownWalletCases))]
    public void Sync_ReferenceToWalletMissingAfterSyncIsRejected(string scenario)
    {
        var (request, keys) = UnknownWallet[scenario];

        var rejected = Rejected(SyncEngine.Apply(B0(), request, Alice, Now));

        Assert.Equal("unknown_wallet", rejected.Code);
        Assert.Equal(keys.Order(), rejected.Errors!.Keys.Order());
    }

    [Fact]
    public void Sync_SkippedModifyOfMissingRecordDoesNotReferenceCheck()
    {
        var request = Request(bills: [B(42, Modified, wallet: 99, amount: 1), B(1, Modified, wallet: 1, amount: 11)]);

        var applied = Applied(SyncEngine.Apply(B0(), request, Alice, Now));

        Assert.Equal([new SkippedRecord(Collection.Bills, 42, Modified, "not_found")], applied.Skipped);
        Assert.Equal(69, Balance(applied.Book, 1));
    }

    private static readonly (SyncRequest Request, SkippedRecord Expected)[] NotFound =
    [
        (Request(wallets: [W(9, Modified)]), new SkippedRecord(Collection.Wallets, 9, Modified, "not_found")),
        (Request(wallets: [W(9, Deleted)]), new SkippedRecord(Collection.Wallets, 9, Deleted, "not_found")),
        (Request(bills: [B(9, Deleted)]), new SkippedRecord(Collection.Bills, 9, Deleted, "not_found")),
        (Request(transfers: [T(9, Modified, from: 1, to: 2)]), new SkippedRecord(Collection.Transfers, 9, Modified, "not_found")),
        (Request(incomes: [I(9, Deleted)]), new SkippedRecord(Collection.Incomes, 9, Deleted, "not_found")),
        (Request(bills: [B(-1, New, wallet: 1, amount: 1), B(3, Modified, wallet: 1, amount: 2)]), new SkippedRecord(Collection.Bills, 3, Modified, "not_found")),
    ];

    public static TheoryData<int> NotFoundCases => new(Enumerable.Range(0, NotFound.Length));

    [Theory]
    [MemberData(nameof(NotFoundCases))]
    public void Sync_ModifyOrDeleteOfMissingRecordIsSkipped(int scenario)
    {
        var (request, expected) = NotFound[scenario];

        var applied = Applied(SyncEngine.Apply(B0(), request, Alice, Now));

        Assert.Equal([expected], applied.Skipped);
    }

    private static readonly SyncRequest[] NoOp =
    [
        Request(),
        Request(bills: [B(1, Modified, wallet: 1, amount: 10)]),
        Request(bills: [B(1, Modified, wallet: 1, amount: 10) with { LastEditedAt = 12345 }]),
        Request(wallets: [W(1, Modified, name: "w1")], transfers: [T(1, Modified, from: 1, to: 2, amount: 20)]),
        Request(incomes: [I(2, Synchronized, wallet: 1, amount: 1)], book: new BookMetaInput("Home", null, true)),
        Request(book: new BookMetaInput(null, "ignored", RemarkSet: false)),
    ];

    public static TheoryData<int> NoOpRequests => new(Enumerable.Range(0, NoOp.Length));

    [Theory]
    [MemberData(nameof(NoOpRequests))]
    public void Sync_RequestThatChangesNothingKeepsTheVersion(int scenario)
    {
        var request = NoOp[scenario];
        var b0 = B0();

        var applied = Applied(SyncEngine.Apply(b0, request, Alice, Now));

        Assert.Same(b0, applied.Book);
        Assert.False(applied.Changes.Any);
        Assert.Equal(0, applied.Changes.Bills.ModifiedCount + applied.Changes.Wallets.ModifiedCount);
        Assert.Empty(applied.Skipped);
    }

    [Fact]
    public void Sync_ModifyKeepsCreatorAndStampsEditor()
    {
        var withClientTime = B(1, Modified, wallet: 1, amount: 11) with { LastEditedAt = 777, CreatedAt = 999 };

        var book = Applied(SyncEngine.Apply(B0(), Request(bills: [withClientTime, B(2, Modified, wallet: 2, amount: 6)]), Alice, Now)).Book;

        Assert.Equal((Bob, 1L, Alice, 777L, 2L), (book.Bills[1].CreatedBy, book.Bills[1].CreatedAt, book.Bills[1].LastEditedBy, book.Bills[1].LastEditedAt, book.Bills[1].Version));
        Assert.Equal((Bob, 1L, Alice, Now), (book.Bills[2].CreatedBy, book.Bills[2].CreatedAt, book.Bills[2].LastEditedBy, book.Bills[2].LastEditedAt));
    }

    [Fact]
    public void Sync_NewRecordIsStampedWithUserAndClientOrServerTime()
    {
        var timed = I(-1, New, wallet: 1, amount: 3) with { CreatedAt = 10, LastEditedAt = 20 };

        var book = Applied(SyncEngine.Apply(B0(), Request(incomes: [timed, I(-2, New, wallet: 2, amount: 4)]), Alice, Now)).Book;

        Assert.Equal((Alice, 10L, Alice, 20L, 2L), (book.Incomes[3].CreatedBy, book.Incomes[3].CreatedAt, book.Incomes[3].LastEditedBy, book.Incomes[3].LastEditedAt, book.Incomes[3].Version));
        Assert.Equal((Now, Now), (book.Incomes[4].CreatedAt, book.Incomes[4].LastEditedAt));
    }

    [Fact]
    public void Sync_WalletModifyKeepsBalanceDerivedFromRecords()
    {
        var request = Request(wallets: [new WalletInput(1, Modified, "Cash", "#fff", 1000, "pocket", null, null)]);

        var applied = Applied(SyncEngine.Apply(B0(), request, Alice, Now));

        Assert.Equal(new Wallet(1, "Cash", "#fff", 1000, 1070, "pocket", 1, Now, 2, Bob, Alice), applied.Book.Wallets[1]);
        Assert.Equal(1, applied.Changes.Wallets.ModifiedCount);
    }

    [Theory]
    [InlineData("Trip", null, false, "Trip", "old")]
    [InlineData(null, null, true, "Home", null)]
    [InlineData(null, "new", true, "Home", "new")]
    [InlineData("Trip", "new", true, "Trip", "new")]
    public void Sync_BookMetaChangeBumpsVersion(string? newName, string? newRemark, bool remarkSet, string name, string? remark)
    {
        var meta = new BookMetaInput(newName, newRemark, remarkSet);
        var book = B0() with { Remark = "old" };

        var applied = Applied(SyncEngine.Apply(book, Request(book: meta), Alice, Now));

        Assert.Equal((name, remark, 2L), (applied.Book.Name, applied.Book.Remark, applied.Book.Version));
        Assert.True(applied.Changes.BookMetaChanged);
        Assert.True(applied.Changes.Any);
    }

    [Fact]
    public void Sync_BalanceOverflowIsRejected()
    {
        var request = Request(wallets: [W(-1, New, opening: long.MaxValue - 5)], incomes: [I(-1, New, wallet: -1, amount: 10)]);

        var rejected = Rejected(SyncEngine.Apply(B0(), request, Alice, Now));

        Assert.Equal("validation_failed", rejected.Code);
        Assert.Contains("wallet 3", Assert.Single(rejected.Errors!["wallets"]));
    }

    [Fact]
    public void Sync_BalanceThatFitsIsNotRejectedForAnIntermediateOverflow()
    {
        var request = Request(wallets: [W(-1, New, opening: long.MaxValue - 5)],
            incomes: [I(-1, New, wallet: -1, amount: 10)], bills: [B(-1, New, wallet: -1, amount: 10)]);

        var applied = Applied(SyncEngine.Apply(B0(), request, Alice, Now));

        Assert.Equal(long.MaxValue - 5, Balance(applied.Book, 3));
    }

    [Fact]
    public void Sync_DuplicateIdsReachingTheEngineAreRejected()
    {
        var rejected = Rejected(SyncEngine.Apply(B0(), Request(bills: [B(1, Deleted), B(1, Modified, wallet: 1)]), Alice, Now));

        Assert.Equal("validation_failed", rejected.Code);
        Assert.Equal(["bills[1].id"], rejected.Errors!.Keys);
    }
}
