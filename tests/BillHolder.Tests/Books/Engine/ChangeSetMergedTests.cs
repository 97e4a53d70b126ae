using System.Text.Json;
using BillHolder.Server.Books.Engine;
using BillHolder.Server.Books.Storage;

namespace BillHolder.Tests.Books.Engine;

// Answers for clients a few versions behind are put together from the recent versions' change sets; they must be
// exactly what the filter over the whole book plus the log's deletions gives.
public sealed class ChangeSetMergedTests
{
    [Theory]
    [InlineData(3)]
    [InlineData(17)]
    [InlineData(2026)]
    public void Merged_EqualsTheFilterOverTheBookForEverySince(int seed)
    {
        var random = new Random(seed);
        var book = BookState.Empty("Merged", null);
        var versions = new List<ChangeSet>();
        var copies = new[] { book, book };
        for (var step = 0; step < 300; step++)
        {
            var client = random.Next(copies.Length);
            var request = new SyncRequest($"s{step}", copies[client].Version, null, new RandomSync(random, copies[client]).Generate());
            if (SyncEngine.Apply(book, request, $"user{client}", 1000 + step) is not SyncOutcome.Applied applied) continue;
            if (applied.Changes.Any)
            {
                versions.Add(ChangeSet.Of(7, book.Version, applied, $"user{client}", applied.Conflicts));
            }
            book = applied.Book;
            copies[client] = book;
        }
        Assert.True(versions.Count > 100, $"only {versions.Count} versions applied");

        foreach (var since in new long[] { 0, 1, book.Version / 2, book.Version - 5, book.Version - 1 })
        {
            var window = versions.Where(v => v.ToVersion > since).ToList();
            var expected = ChangeSet.Since(7, book, since, ChangeSet.MergeDeleted(window.Select(v => v.Deleted)))
                with { Conflicts = [.. window.SelectMany(v => v.Conflicts)] };
            var merged = ChangeSet.Merged(7, book, since, window);
            Assert.Equal(Json(expected), Json(merged));
        }
    }

    [Fact]
    public void RecentWindow_ServesOnlyTheVersionsItHoldsAndRestartsAfterAReplay()
    {
        var random = new Random(5);
        var state = BookState.Empty("Window", null);
        var stored = new StoredBook(state, "u", 0, new ByCollection<long>(2, 2, 2, 2), 0, []);
        for (var step = 0; stored.State.Version < StoredBook.RecentVersions + 10; step++)
        {
            var request = new SyncRequest($"s{step}", stored.State.Version, null, new RandomSync(random, stored.State).Generate());
            if (SyncEngine.Apply(stored.State, request, "u", step) is not SyncOutcome.Applied { Changes.Any: true } applied) continue;
            var change = ChangeSet.Of(7, stored.State.Version, applied, "u", applied.Conflicts);
            stored = (stored with { State = applied.Book }).Logged(applied.Book.Version, 100, change);
        }
        var version = stored.State.Version;

        Assert.Equal(StoredBook.RecentVersions, stored.Recent.Count);
        Assert.NotNull(stored.RecentChangesSince(7, version - 1));
        Assert.NotNull(stored.RecentChangesSince(7, version - StoredBook.RecentVersions));
        Assert.Null(stored.RecentChangesSince(7, version - StoredBook.RecentVersions - 1));
        Assert.Null(stored.RecentChangesSince(7, version));

        // A version replayed from the log (no change set kept) ends the window: the log answers until it refills.
        var replayed = (stored with { State = stored.State with { Version = version + 1 } }).Logged(version + 1, 100);
        Assert.Empty(replayed.Recent);
        Assert.Null(replayed.RecentChangesSince(7, version));
    }

    private static string Json(ChangeSet changes) => JsonSerializer.Serialize(changes, BookJson.Options);
}
