using System.Net;
using System.Text.Json;
using BillHolder.Tests.Infrastructure;

namespace BillHolder.Tests.Books;

// GET /api/books/{bookId}/reports against the real server: the book at one version, grouped in the asked zone.
public sealed class ReportsApiTests(BillHolderServer server) : IClassFixture<BillHolderServer>
{
    private static readonly long Nov30Late = DateTimeOffset.Parse("2026-11-30T23:30:00Z").ToUnixTimeMilliseconds();
    private static readonly long Dec1 = DateTimeOffset.Parse("2026-12-01T00:00:00Z").ToUnixTimeMilliseconds();

    private async Task<(UserClient Owner, long BookId, long WalletId)> BookAsync()
    {
        var owner = await server.NewUserAsync();
        var shared = await owner.CreateSharedBookAsync();
        await owner.SyncOkAsync(shared.Id, new
        {
            syncId = "records",
            bills = new object[]
            {
                new { id = -1, status = 3, walletId = shared.WalletId, amount = 20, date = Nov30Late, category = "food" },
                new { id = -2, status = 3, walletId = shared.WalletId, amount = 5, date = Dec1 },
            },
            incomes = new object[] { new { id = -1, status = 3, walletId = shared.WalletId, amount = 100, date = Dec1, category = "salary" } },
        });
        return (owner, shared.Id, shared.WalletId);
    }

    [Fact]
    public async Task Reports_ByMonth_UseTheZonesMonthBoundaries()
    {
        var (owner, bookId, walletId) = await BookAsync();

        var utc = await ReportAsync(owner, bookId, "groupBy=month");
        Assert.Equal(["2026-11:20:0:-20", "2026-12:5:100:95"], Groups(utc));
        Assert.Equal((bookId, 2L, "month", "UTC"), (utc.GetProperty("bookId").GetInt64(), utc.GetProperty("version").GetInt64(),
            utc.GetProperty("groupBy").GetString(), utc.GetProperty("tz").GetString()));
        var wallet = Assert.Single(utc.GetProperty("wallets").EnumerateArray());
        Assert.Equal((walletId, "Cash", 25L, 100L, 0L, 0L, 75L), (wallet.GetProperty("walletId").GetInt64(), wallet.GetProperty("name").GetString(),
            wallet.GetProperty("bills").GetInt64(), wallet.GetProperty("incomes").GetInt64(), wallet.GetProperty("transfersIn").GetInt64(),
            wallet.GetProperty("transfersOut").GetInt64(), wallet.GetProperty("net").GetInt64()));

        Assert.Equal(["2026-12:25:100:75"], Groups(await ReportAsync(owner, bookId, "groupBy=month&tz=Europe/Berlin")));
        Assert.Equal(["2026-11:25:100:75"], Groups(await ReportAsync(owner, bookId, "tz=America/New_York")));
    }

    [Fact]
    public async Task Reports_ByCategory_WithinARange_FromInclusiveToExclusive()
    {
        var (owner, bookId, _) = await BookAsync();

        Assert.Equal([":5:0:-5", "food:20:0:-20", "salary:0:100:100"], Groups(await ReportAsync(owner, bookId, "groupBy=category")));
        var ranged = await ReportAsync(owner, bookId, $"groupBy=category&from={Nov30Late}&to={Dec1}");
        Assert.Equal(["food:20:0:-20"], Groups(ranged));
        Assert.Equal((Nov30Late, Dec1), (ranged.GetProperty("from").GetInt64(), ranged.GetProperty("to").GetInt64()));
        Assert.Equal(JsonValueKind.Null, (await ReportAsync(owner, bookId, "groupBy=category")).GetProperty("groups")[0].GetProperty("key").ValueKind);
    }

    [Fact]
    public async Task Reports_WithBadParameters_Are422ByParameter_AndNonMembersGet404()
    {
        var (owner, bookId, _) = await BookAsync();
        var problem = await (await owner.Http.GetAsync($"/api/books/{bookId}/reports?groupBy=week&from=x&to=-1&tz=Mars/Olympus"))
            .ProblemAsync(HttpStatusCode.UnprocessableEntity, "validation_failed");
        Assert.Equal(["from", "groupBy", "to", "tz"], problem.ErrorKeys());
        var backwards = await (await owner.Http.GetAsync($"/api/books/{bookId}/reports?from=10&to=5")).ProblemAsync(HttpStatusCode.UnprocessableEntity, "validation_failed");
        Assert.Equal(["to"], backwards.ErrorKeys());
        foreach (var tz in new[] { "../../etc/passwd", "W. Europe Standard Time" })
        {
            var bad = await (await owner.Http.GetAsync($"/api/books/{bookId}/reports?tz={Uri.EscapeDataString(tz)}")).ProblemAsync(HttpStatusCode.UnprocessableEntity, "validation_failed");
            Assert.Equal(["tz"], bad.ErrorKeys());
        }

        var stranger = await server.NewUserAsync("stranger");
        await (await stranger.Http.GetAsync($"/api/books/{bookId}/reports")).ProblemAsync(HttpStatusCode.NotFound, "book_not_found");
        var viewer = await server.NewUserAsync("viewer");
        await owner.SetRoleAsync(bookId, viewer.Username, "viewer");
        Assert.Equal(2, (await ReportAsync(viewer, bookId, "")).GetProperty("groups").GetArrayLength());
    }

    private static async Task<JsonElement> ReportAsync(UserClient user, long bookId, string query) =>
        await (await user.Http.GetAsync($"/api/books/{bookId}/reports?{query}")).ReadJsonAsync(HttpStatusCode.OK);

    private static string[] Groups(JsonElement report) => [.. report.GetProperty("groups").EnumerateArray().Select(g =>
        $"{(g.GetProperty("key").ValueKind == JsonValueKind.Null ? "" : g.GetProperty("key").GetString())}:{g.GetProperty("bills").GetInt64()}:{g.GetProperty("incomes").GetInt64()}:{g.GetProperty("net").GetInt64()}")];
}
