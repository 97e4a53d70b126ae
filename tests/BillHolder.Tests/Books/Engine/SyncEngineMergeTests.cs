using System.Collections.Immutable;
using System.Text.Json;
using BillHolder.Server.Books.Engine;
using BillHolder.Server.Books.Storage;
using static BillHolder.Server.Books.Engine.RecordStatus;
using static BillHolder.Tests.Books.Engine.SyncTestData;

namespace BillHolder.Tests.Books.Engine;

// Rule 12 (field-level merge). Bob edited bill 1 from version 3 of the record (book version 5); Alice changed the
// stored bill since, to version 6. Bases hold bill 1 as Bob received it.
public sealed class SyncEngineMergeTests
{
    private static readonly Bill Base = new(1, 1, 1250, 5, "groceries", "market", 1, 1, 3, Alice, Alice);

    private static BookState BookWith(Bill stored, params Transfer[] transfers)
    {
        var book = BookState.Empty("Home", null) with
        {
            Version = 6,
            Wallets = Dict(StoredWallet(1, 0, 0, 1), StoredWallet(2, 0, 0, 1), StoredWallet(3, 0, 0, 1)),
            Bills = Dict(stored),
            Transfers = Dict(transfers),
            NextIds = new ByCollection<long>(4, 2, 2, 1),
        };
        var totals = BookBalances.Totals(book);
        return book with
        {
            Wallets = book.Wallets.ToImmutableSortedDictionary(w => w.Key, w => w.Value with { Balance = (long)totals.GetValueOrDefault(w.Key) }),
        };
    }

    private static SyncBases Bases(params IBookRecord[] records) =>
        new(records.ToDictionary(r => (r switch { Wallet => Collection.Wallets, Bill => Collection.Bills, Transfer => Collection.Transfers, _ => Collection.Incomes }, r.Id), r => (IBookRecord?)r),
            new BookMeta("Home", null));

    private static BillInput Bob(long wallet = 1, long amount = 1250, string? category = "groceries", string? remark = "market", long? version = 3) =>
        new(1, Modified, wallet, amount, 5, category, remark, null, null, version);

    private static SyncRequest Sync(long? baseVersion, BillInput[]? bills = null, TransferInput[]? transfers = null, BookMetaInput? book = null) =>
        new("bob-1", baseVersion, book, new SyncChanges([], bills ?? [], transfers ?? [], []));

    private static string Json(object? value) => JsonSerializer.Serialize(value, BookJson.Options);

    private static string Conflicts(SyncOutcome.Applied applied) =>
        string.Join("; ", applied.Conflicts.Select(c => $"{c.Collection} {c.Id} {c.Field ?? "-"}: {Json(c.Base)} {Json(c.Theirs)} {Json(c.Yours)}"));

    // scenario -> (what Alice stored, what Bob sent, the bill after, the conflicts listed)
    private static readonly Dictionary<string, (Bill Stored, BillInput Sent, Bill Expected, string Conflicts)> FieldCases = new()
    {
        ["disjoint fields"] = (Base with { Amount = 1300, Version = 6 }, Bob(category: "food", remark: "market (bob)"),
            Base with { Amount = 1300, Category = "food", Remark = "market (bob)" }, ""),
        ["same field, same value"] = (Base with { Amount = 1300, Version = 6 }, Bob(amount: 1300), Base with { Amount = 1300 }, ""),
        ["same field, different value"] = (Base with { Amount = 1300, Version = 6 }, Bob(amount: 1400), Base with { Amount = 1400 },
            "bills 1 amount: 1250 1300 1400"),
        ["cleared on one side, edited on the other"] = (Base with { Remark = null, Version = 6 }, Bob(remark: "market (bob)"),
            Base with { Remark = "market (bob)" }, "bills 1 remark: \"market\" null \"market (bob)\""),
        ["wallet reference changed on both sides"] = (Base with { WalletId = 2, Version = 6 }, Bob(wallet: 3), Base with { WalletId = 3 },
            "bills 1 walletId: 1 2 3"),
        ["wallet changed here, amount there"] = (Base with { Amount = 1300, Version = 6 }, Bob(wallet: 2), Base with { WalletId = 2, Amount = 1300 }, ""),
        ["nothing changed elsewhere"] = (Base, Bob(amount: 1400), Base with { Amount = 1400 }, ""),
        ["nothing changed here"] = (Base with { Amount = 1300, Version = 6 }, Bob(), Base with { Amount = 1300 }, ""),
    };

    public static TheoryData<string> FieldCaseNames => new(FieldCases.Keys);

    [Theory]
    [MemberData(nameof(FieldCaseNames))]
    public void Sync_ModifiedRecordMergesPerFieldAgainstItsBase(string scenario)
    {
        var (stored, sent, expected, conflicts) = FieldCases[scenario];
        var book = BookWith(stored);

        var applied = Applied(SyncEngine.Apply(book, Sync(5, bills: [sent]), SyncTestData.Bob, Now, Bases(Base)));

        var bill = applied.Book.Bills[1];
        Assert.Equal((expected.WalletId, expected.Amount, expected.Date, expected.Category, expected.Remark),
            (bill.WalletId, bill.Amount, bill.Date, bill.Category, bill.Remark));
        Assert.Equal(conflicts, Conflicts(applied));
        Assert.Empty(applied.WholeRecords);
        // Rule 8 on the merged record: every balance equals a recomputation.
        Assert.All(BookBalances.Recompute(applied.Book), check => Assert.Equal(check.Recomputed, check.Stored));
        if (!bill.Equals(stored)) Assert.Equal((SyncTestData.Bob, 7L), (bill.LastEditedBy, bill.Version));
    }

    [Fact]
    public void Sync_RecordVersionIsTheBaseEvenWhenBaseVersionIsNewer()
    {
        // The client pulled version 6 of the book but still holds its edit of bill 1 from record version 3.
        var book = BookWith(Base with { Amount = 1300, Version = 6 });

        var applied = Applied(SyncEngine.Apply(book, Sync(6, bills: [Bob(remark: "market (bob)")]), SyncTestData.Bob, Now, Bases(Base)));

        Assert.Equal((1300L, "market (bob)"), (applied.Book.Bills[1].Amount, applied.Book.Bills[1].Remark));
    }

    [Fact]
    public void Sync_WithoutAnyBase_ReplacesTheWholeRecordAndSaysSo()
    {
        var book = BookWith(Base with { Amount = 1300, Version = 6 });

        var applied = Applied(SyncEngine.Apply(book, Sync(null, bills: [Bob(remark: "market (bob)", version: null)]), SyncTestData.Bob, Now, Bases(Base)));

        Assert.Equal(1250, applied.Book.Bills[1].Amount);
        Assert.Equal(new WholeRecord("bills", 1, WholeRecord.NoBase), Assert.Single(applied.WholeRecords));
        Assert.Empty(applied.Conflicts);
    }

    [Theory]
    [InlineData(null, WholeRecord.NoBase)]
    [InlineData(5L, WholeRecord.BaseUnavailable)]
    public void BookNameWithoutABase_ReplacesTheNameAndSaysSo(long? baseVersion, string reason)
    {
        var book = BookWith(Base with { Version = 6 }) with { Version = 6 };

        var applied = Applied(SyncEngine.Apply(book, Sync(baseVersion, book: new BookMetaInput("Renamed", null, RemarkSet: false)),
            SyncTestData.Bob, Now, SyncBases.None));

        Assert.Equal("Renamed", applied.Book.Name);
        Assert.Equal(new WholeRecord("book", 0, reason), Assert.Single(applied.WholeRecords));
    }

    [Fact]
    public void Sync_WhenTheBaseIsTooOld_ReplacesTheWholeRecordAndSaysSo()
    {
        var book = BookWith(Base with { Amount = 1300, Version = 6 });

        var applied = Applied(SyncEngine.Apply(book, Sync(5, bills: [Bob(remark: "market (bob)")]), SyncTestData.Bob, Now, SyncBases.None));

        Assert.Equal(1250, applied.Book.Bills[1].Amount);
        Assert.Equal(new WholeRecord("bills", 1, WholeRecord.BaseUnavailable), Assert.Single(applied.WholeRecords));
    }

    [Fact]
    public void Sync_ModifyOfARecordDeletedSinceTheBaseIsSkipped()
    {
        var book = BookWith(Base) with { Bills = ImmutableSortedDictionary<long, Bill>.Empty };

        var applied = Applied(SyncEngine.Apply(book, Sync(5, bills: [Bob(amount: 1400)]), SyncTestData.Bob, Now, Bases(Base)));

        Assert.Equal(new SkippedRecord(Collection.Bills, 1, Modified, SkippedRecord.NotFound), Assert.Single(applied.Skipped));
        Assert.Empty(applied.Conflicts);
    }

    [Fact]
    public void Sync_DeleteOfARecordModifiedSinceTheBaseDeletesItAndListsIt()
    {
        var stored = Base with { Amount = 1300, Version = 6 };
        var book = BookWith(stored);

        var applied = Applied(SyncEngine.Apply(book, Sync(5, bills: [BillInput.IdOnly(1, Deleted)]), SyncTestData.Bob, Now, Bases(Base)));

        Assert.False(applied.Book.Bills.ContainsKey(1));
        var conflict = Assert.Single(applied.Conflicts);
        Assert.Equal(("bills", 1L, (string?)null, Json(Base), Json(stored), "null"),
            (conflict.Collection, conflict.Id, conflict.Field, Json(conflict.Base), Json(conflict.Theirs), Json(conflict.Yours)));
        Assert.Equal(0, Balance(applied.Book, 1));
    }

    [Fact]
    public void Sync_DeleteOfAnUnchangedRecordListsNothing()
    {
        var applied = Applied(SyncEngine.Apply(BookWith(Base), Sync(5, bills: [BillInput.IdOnly(1, Deleted)]), SyncTestData.Bob, Now, Bases(Base)));

        Assert.Empty(applied.Conflicts);
        Assert.False(applied.Book.Bills.ContainsKey(1));
    }

    [Fact]
    public void Sync_MergeThatMakesAnInvalidTransferAppliesTheClientsWholeRecord()
    {
        // Base 1 -> 2; Alice made it 3 -> 2, Bob made it 1 -> 3: merged it would be 3 -> 3.
        var baseTransfer = new Transfer(1, 1, 2, 10, 5, null, 1, 1, 3, Alice, Alice);
        var stored = baseTransfer with { FromWalletId = 3, Amount = 20, Version = 6 };
        var book = BookWith(Base, stored);
        var sent = new TransferInput(1, Modified, 1, 3, 10, 5, null, null, null, 3);

        var applied = Applied(SyncEngine.Apply(book, Sync(5, transfers: [sent]), SyncTestData.Bob, Now, Bases(baseTransfer)));

        var transfer = applied.Book.Transfers[1];
        Assert.Equal((1L, 3L, 10L), (transfer.FromWalletId, transfer.ToWalletId, transfer.Amount));
        Assert.Equal("transfers 1 fromWalletId: 1 3 1; transfers 1 toWalletId: 2 2 3; transfers 1 amount: 10 20 10", Conflicts(applied));
        Assert.All(BookBalances.Recompute(applied.Book), check => Assert.Equal(check.Recomputed, check.Stored));
    }

    [Fact]
    public void Sync_ReferencesAreJudgedOnTheMergedRecord()
    {
        // Alice moved bill 1 to wallet 2 and deleted wallet 1; Bob's copy still names wallet 1, which he left alone.
        var book = BookWith(Base with { WalletId = 2, Version = 6 });
        book = book with { Wallets = book.Wallets.Remove(1) };

        var applied = Applied(SyncEngine.Apply(book, Sync(5, bills: [Bob(amount: 1400)]), SyncTestData.Bob, Now, Bases(Base)));

        Assert.Equal((2L, 1400L), (applied.Book.Bills[1].WalletId, applied.Book.Bills[1].Amount));
        Assert.Equal(-1400, Balance(applied.Book, 2));

        // Moving it back to wallet 1 is Bob's edit, and wallet 1 is gone.
        var rejected = Rejected(SyncEngine.Apply(book, Sync(5, bills: [Bob(wallet: 3, amount: 1400) with { WalletId = 1 }]), SyncTestData.Bob, Now, Bases(Base with { WalletId = 3 })));
        Assert.Equal(["bills[0].walletId"], rejected.Errors!.Keys);
    }

    [Fact]
    public void Sync_WalletWhoseVersionMovedOnlyByItsBalanceMergesWithoutConflict()
    {
        var book = BookWith(Base);
        var wallet = book.Wallets[1];
        book = book with { Wallets = book.Wallets.SetItem(1, wallet with { Version = 6 }) };
        var sent = new WalletInput(1, Modified, "cash", null, 0, null, null, null, 1);

        var applied = Applied(SyncEngine.Apply(book, new SyncRequest("bob-1", 5, null, new SyncChanges([sent], [], [], [])),
            SyncTestData.Bob, Now, Bases(wallet)));

        Assert.Equal("cash", applied.Book.Wallets[1].Name);
        Assert.Empty(applied.Conflicts);
    }

    [Fact]
    public void Sync_BookNameAndRemarkMergeLikeFields()
    {
        // At the base the book was "Home" with no remark; someone renamed it "Family" and set remark "x".
        var book = BookWith(Base) with { Name = "Family", Remark = "x" };

        var applied = Applied(SyncEngine.Apply(book, Sync(5, book: new BookMetaInput("Home", "ours", RemarkSet: true)), SyncTestData.Bob, Now, Bases()));

        Assert.Equal(("Family", "ours"), (applied.Book.Name, applied.Book.Remark));
        Assert.Equal("book 0 remark: null \"x\" \"ours\"", Conflicts(applied));
    }
}
