using BillHolder.Server.Books.Engine;
using static BillHolder.Tests.Books.Engine.SyncTestData;

namespace BillHolder.Tests.Books.Engine;

// Pages seek by id: a cursor naming a record deleted since still resumes right after it, and a collection that
// changed between pages is read at its new version.
public sealed class SnapshotPageTests
{
    [Fact]
    public void Page_ResumesAfterTheCursorsRecord_EvenWhenThatRecordWasDeletedMeanwhile()
    {
        var book = B0() with { Bills = Dict(Enumerable.Range(1, 10).Select(i => StoredBill(i * 10, 1, i)).ToArray()) };
        var (first, _) = SnapshotPage.Read(7, book, null, 2 + 4);
        Assert.Equal([1L, 2L], first!.Wallets.Select(w => w.Id));
        Assert.Equal([10L, 20L, 30L, 40L], first.Bills.Select(b => b.Id));

        // Bill 40, the last one given, is deleted and bill 45 is added before the next page.
        var changed = book with { Bills = book.Bills.Remove(40).Add(45, StoredBill(45, 1, 1)) };
        var (second, _) = SnapshotPage.Read(7, changed, first.Next, 3);
        Assert.Empty(second!.Wallets);
        Assert.Equal([45L, 50L, 60L], second.Bills.Select(b => b.Id));

        var (third, _) = SnapshotPage.Read(7, changed, second.Next, 100);
        Assert.Equal([70L, 80L, 90L, 100L], third!.Bills.Select(b => b.Id));
        Assert.Equal([1L], third.Transfers.Select(t => t.Id));
        Assert.Equal([1L, 2L], third.Incomes.Select(i => i.Id));
        Assert.Null(third.Next);
    }

    [Fact]
    public void Page_RefusesACursorOfAnotherBook()
    {
        var (first, _) = SnapshotPage.Read(7, B0(), null, 1);
        var (page, error) = SnapshotPage.Read(8, B0(), first!.Next, 1);
        Assert.Null(page);
        Assert.NotNull(error);
    }
}
