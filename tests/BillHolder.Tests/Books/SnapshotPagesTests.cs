using System.Net;
using System.Text.Json;
using BillHolder.Tests.Infrastructure;
using BillHolder.Tests.Realtime;
using Microsoft.AspNetCore.SignalR.Client;
using static BillHolder.Tests.Infrastructure.TestClient;
using static BillHolder.Tests.Realtime.HubTestBooks;

namespace BillHolder.Tests.Books;

// First syncs of big books in pages: GET /api/books/{bookId}/snapshot and the hub's ReadSnapshotPage.
public sealed class SnapshotPagesTests(SmallSnapshotServer small) : IClassFixture<SmallSnapshotServer>
{
    private BillHolderServer Server => small.Server;

    private static async Task<long> CreateBookAsync(UserClient user, int bills)
    {
        var book = await (await user.Http.PostJsonAsync("/api/books", new
        {
            name = "Paged",
            wallets = new[] { new { id = -1, status = 3, name = "A" }, new { id = -2, status = 3, name = "B" } },
            bills = Enumerable.Range(1, bills).Select(i => new { id = -i, status = 3, walletId = -1 - i % 2, amount = i, date = 1 }).ToArray(),
            incomes = new[] { new { id = -1, status = 3, walletId = -1, amount = 500, date = 1 } },
        })).ReadJsonAsync(HttpStatusCode.Created);
        return book.GetProperty("id").GetInt64();
    }

    private static async Task<List<JsonElement>> ReadAllPagesAsync(UserClient user, long bookId, int limit)
    {
        var pages = new List<JsonElement>();
        string? cursor = null;
        do
        {
            var query = cursor is null ? $"limit={limit}" : $"limit={limit}&cursor={Uri.EscapeDataString(cursor)}";
            var page = await (await user.Http.GetAsync($"/api/books/{bookId}/snapshot?{query}")).ReadJsonAsync(HttpStatusCode.OK);
            pages.Add(page);
            cursor = page.GetProperty("next").GetString();
        } while (cursor is not null);
        return pages;
    }

    private static IEnumerable<(string Collection, long Id)> Records(JsonElement page) =>
        new[] { "wallets", "bills", "transfers", "incomes" }.SelectMany(c => page.GetProperty(c).EnumerateArray().Select(r => (c, r.GetProperty("id").GetInt64())));

    [Fact]
    public async Task Pages_CoverTheBookOnce_InCollectionAndIdOrder_AcrossCollections()
    {
        var user = await Server.NewUserAsync();
        var bookId = await CreateBookAsync(user, bills: 25);

        var pages = await ReadAllPagesAsync(user, bookId, limit: 7);

        Assert.Equal(4, pages.Count); // 2 wallets + 25 bills + 1 income = 28 records
        Assert.All(pages, p => Assert.Equal(7, Records(p).Count()));
        var all = pages.SelectMany(Records).ToList();
        var book = await user.BookAsync(bookId);
        Assert.Equal(Records(book), all);
        Assert.Equal(["wallets", "wallets", "bills"], all.Take(3).Select(r => r.Collection));
        Assert.Equal("Paged", pages[0].GetProperty("book").GetProperty("name").GetString());
        Assert.Equal(1, pages[0].GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task Pages_ReadWhileSyncsLand_ConvergeThroughChangesSinceTheFirstPage()
    {
        var user = await Server.NewUserAsync();
        var bookId = await CreateBookAsync(user, bills: 30);
        var records = new Dictionary<(string, long), JsonElement>();
        string? cursor = null;
        long? firstVersion = null;
        var step = 0;
        do
        {
            var query = cursor is null ? "limit=5" : $"limit=5&cursor={Uri.EscapeDataString(cursor)}";
            var page = await (await user.Http.GetAsync($"/api/books/{bookId}/snapshot?{query}")).ReadJsonAsync(HttpStatusCode.OK);
            firstVersion ??= page.GetProperty("version").GetInt64();
            foreach (var c in new[] { "wallets", "bills", "transfers", "incomes" })
            {
                foreach (var r in page.GetProperty(c).EnumerateArray()) records[(c, r.GetProperty("id").GetInt64())] = r;
            }
            cursor = page.GetProperty("next").GetString();
            // A collaborator edits meanwhile: a record already read, one not read yet, a deletion, a new one.
            await user.SyncOkAsync(bookId, new
            {
                syncId = $"meanwhile-{step}",
                bills = new object[] { Bill(1 + step, 1, 1, 1000 + step), new { id = 30 - step, status = 2 }, Bill(-1, 3, 2, 7) },
            });
            step++;
        } while (cursor is not null);

        var changes = await (await user.Http.GetAsync($"/api/books/{bookId}/changes?since={firstVersion}")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.False(changes.GetProperty("full").GetBoolean());
        foreach (var c in new[] { "wallets", "bills", "transfers", "incomes" })
        {
            foreach (var r in changes.GetProperty(c).EnumerateArray()) records[(c, r.GetProperty("id").GetInt64())] = r;
            foreach (var id in changes.GetProperty("deleted").GetProperty(c).EnumerateArray()) records.Remove((c, id.GetInt64()));
        }

        var book = await user.BookAsync(bookId);
        var expected = new[] { "wallets", "bills", "transfers", "incomes" }
            .SelectMany(c => book.GetProperty(c).EnumerateArray().Select(r => ((c, r.GetProperty("id").GetInt64()), r.GetRawText())))
            .OrderBy(r => r.Item1).ToList();
        Assert.Equal(expected, records.Select(r => (r.Key, r.Value.GetRawText())).OrderBy(r => r.Key).ToList());
    }

    [Fact]
    public async Task Snapshot_RefusesBadLimitsAndCursors_AndNonMembers()
    {
        var user = await Server.NewUserAsync();
        var bookId = await CreateBookAsync(user, bills: 3);
        var other = await CreateBookAsync(user, bills: 3);
        var stranger = await Server.NewUserAsync();

        foreach (var limit in new[] { "0", "5001", "x" })
        {
            var problem = await (await user.Http.GetAsync($"/api/books/{bookId}/snapshot?limit={limit}")).ProblemAsync(HttpStatusCode.UnprocessableEntity, "validation_failed");
            Assert.Equal(["limit"], problem.ErrorKeys());
        }
        var foreign = (await (await user.Http.GetAsync($"/api/books/{other}/snapshot?limit=1")).ReadJsonAsync(HttpStatusCode.OK)).GetProperty("next").GetString();
        foreach (var cursor in new[] { foreign!, "not-a-cursor", "czE6MTox" })
        {
            var problem = await (await user.Http.GetAsync($"/api/books/{bookId}/snapshot?cursor={Uri.EscapeDataString(cursor)}"))
                .ProblemAsync(HttpStatusCode.UnprocessableEntity, "validation_failed");
            Assert.Equal(["cursor"], problem.ErrorKeys());
        }
        await (await stranger.Http.GetAsync($"/api/books/{bookId}/snapshot")).ProblemAsync(HttpStatusCode.NotFound, "book_not_found");
    }

    [Fact]
    public async Task Hub_ReadsTheSamePages_AndOpenBookRefusesABookTooBigToSendWhole()
    {
        var user = await Server.NewUserAsync();
        var small = await CreateBookAsync(user, bills: SmallSnapshotServer.MaxSnapshotRecords - 4);
        var big = await CreateBookAsync(user, bills: SmallSnapshotServer.MaxSnapshotRecords);
        await using var hub = await Server.ConnectAsync(user);

        Assert.True((await hub.OpenBookAsync(small)).GetProperty("full").GetBoolean());
        var details = await HubErrorAsync("snapshot_too_large", () => hub.OpenBookAsync(big));
        Assert.Equal(1, details!.Value.GetProperty("version").GetInt64());

        var rest = await ReadAllPagesAsync(user, big, limit: 10);
        var viaHub = new List<JsonElement>();
        string? cursor = null;
        do
        {
            var page = await hub.Connection.InvokeAsync<JsonElement>("ReadSnapshotPage", big, cursor, 10).WaitAsync(TestHubConnection.Patience);
            viaHub.Add(page);
            cursor = page.GetProperty("next").GetString();
        } while (cursor is not null);
        Assert.Equal(rest.Select(p => p.GetRawText()), viaHub.Select(p => p.GetRawText()));
        // With the pages read, the client opens the book from the first page's version: a delta, not the whole book.
        var opened = await hub.OpenBookAsync(big, 1);
        Assert.False(opened.GetProperty("full").GetBoolean());
        await HubErrorAsync("validation_failed", () => hub.Connection.InvokeAsync<JsonElement>("ReadSnapshotPage", big, "nope", 10));
    }
}

public sealed class SmallSnapshotServer : IAsyncLifetime
{
    public const int MaxSnapshotRecords = 40;

    public BillHolderServer Server { get; } = new();

    public Task InitializeAsync()
    {
        Server.Settings["Realtime:MaxSnapshotRecords"] = MaxSnapshotRecords.ToString();
        return Server.InitializeAsync();
    }

    public Task DisposeAsync() => Server.DisposeAsync();
}
