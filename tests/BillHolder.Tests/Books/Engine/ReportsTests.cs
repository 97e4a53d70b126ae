using System.Collections.Immutable;
using BillHolder.Server.Books.Engine;

namespace BillHolder.Tests.Books.Engine;

// Reports are pure: a book at one version in, totals out.
public sealed class ReportsTests
{
    private static readonly long Nov30Late = At("2026-11-30T23:30:00Z");  // 00:30 on Dec 1 in Berlin
    private static readonly long Dec1Midnight = At("2026-12-01T00:00:00Z"); // still Nov 30 in New York
    private static readonly long Oct15 = At("2026-10-15T12:00:00Z");

    // Wallet 1 "Cash" and 2 "Bank"; bills 10 (food, Oct 15), 20 (food, Nov 30 late), 5 (uncategorised, Dec 1 00:00);
    // incomes 100 (salary, Dec 1 00:00) into wallet 2; transfer 30 from 2 to 1 on Nov 30 late.
    private static BookState Book() => BookState.Empty("Report", null) with
    {
        Version = 7,
        Wallets = Records(W(1, "Cash"), W(2, "Bank")),
        Bills = Records(B(1, 1, 10, Oct15, "food"), B(2, 1, 20, Nov30Late, "food"), B(3, 2, 5, Dec1Midnight, null)),
        Incomes = Records(new Income(1, 2, 100, Dec1Midnight, "salary", null, 0, 0, 1, "a", "a")),
        Transfers = Records(new Transfer(1, 2, 1, 30, Nov30Late, null, 0, 0, 1, "a", "a")),
    };

    public static TheoryData<string, string, long?, long?, string[]> Groups => new()
    {
        // groupBy, tz, from, to, expected "key:bills:incomes:net" in order
        { "month", "UTC", null, null, ["2026-10:10:0:-10", "2026-11:20:0:-20", "2026-12:5:100:95"] },
        { "month", "Europe/Berlin", null, null, ["2026-10:10:0:-10", "2026-12:25:100:75"] },
        { "month", "America/New_York", null, null, ["2026-10:10:0:-10", "2026-11:25:100:75"] },
        { "category", "UTC", null, null, [":5:0:-5", "food:30:0:-30", "salary:0:100:100"] },
        // from inclusive, to exclusive
        { "month", "UTC", Nov30Late, Dec1Midnight, ["2026-11:20:0:-20"] },
        { "month", "UTC", Dec1Midnight, null, ["2026-12:5:100:95"] },
        { "category", "UTC", null, Oct15, [] },
        { "category", "UTC", null, Oct15 + 1, ["food:10:0:-10"] },
    };

    [Theory]
    [MemberData(nameof(Groups))]
    public void Report_GroupsBillsAndIncomesByKey(string groupBy, string tz, long? from, long? to, string[] expected)
    {
        var query = new ReportQuery(groupBy == "month" ? ReportGrouping.Month : ReportGrouping.Category, from, to,
            TimeZoneInfo.FindSystemTimeZoneById(tz));
        var report = Reports.Compute(42, Book(), query);

        Assert.Equal(expected, report.Groups.Select(g => $"{g.Key}:{g.Bills}:{g.Incomes}:{g.Net}"));
        Assert.Equal((42L, 7L, groupBy, from, to, tz), (report.BookId, report.Version, report.GroupBy, report.From, report.To, report.Tz));
    }

    public static TheoryData<long?, long?, string[]> WalletFlows => new()
    {
        // from, to, expected "id:name:bills:incomes:in:out:net"
        { null, null, ["1:Cash:30:0:30:0:0", "2:Bank:5:100:0:30:65"] },
        { Nov30Late, Dec1Midnight, ["1:Cash:20:0:30:0:10", "2:Bank:0:0:0:30:-30"] },
        { Dec1Midnight + 1, null, ["1:Cash:0:0:0:0:0", "2:Bank:0:0:0:0:0"] },
    };

    [Theory]
    [MemberData(nameof(WalletFlows))]
    public void Report_ListsEveryWalletWithItsFlowsInTheRange(long? from, long? to, string[] expected)
    {
        var report = Reports.Compute(1, Book(), new ReportQuery(ReportGrouping.Month, from, to, TimeZoneInfo.Utc));

        Assert.Equal(expected, report.Wallets.Select(w => $"{w.WalletId}:{w.Name}:{w.Bills}:{w.Incomes}:{w.TransfersIn}:{w.TransfersOut}:{w.Net}"));
    }

    [Fact]
    public void Report_DatesPastTheYear9999_HaveNoMonth()
    {
        var book = Book() with { Bills = Records(B(1, 1, 7, long.MaxValue, null)), Incomes = Records<Income>(), Transfers = Records<Transfer>() };

        var report = Reports.Compute(1, book, new ReportQuery(ReportGrouping.Month, null, null, TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo")));

        Assert.Equal([":7:0:-7"], report.Groups.Select(g => $"{g.Key}:{g.Bills}:{g.Incomes}:{g.Net}"));
    }

    private static long At(string iso) => DateTimeOffset.Parse(iso, System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();

    private static Wallet W(long id, string name) => new(id, name, null, 0, 0, null, 0, 0, 1, "a", "a");

    private static Bill B(long id, long walletId, long amount, long date, string? category) =>
        new(id, walletId, amount, date, category, null, 0, 0, 1, "a", "a");

    private static ImmutableSortedDictionary<long, T> Records<T>(params T[] records) where T : IBookRecord =>
        records.ToImmutableSortedDictionary(r => r.Id, r => r);
}
