using System.Globalization;

namespace BillHolder.Server.Books.Engine;

internal enum ReportGrouping { Month, Category }

// From inclusive, To exclusive (epoch ms), either open; Zone decides where a month begins and ends.
internal sealed record ReportQuery(ReportGrouping GroupBy, long? From, long? To, TimeZoneInfo Zone);

// Key: "2026-11" (month in the query's zone) or the category; null for uncategorised records (or, by month, a date
// after the year 9999 that no calendar holds).
internal sealed record ReportGroup(string? Key, long Bills, long Incomes, long Net);

internal sealed record WalletReport(long WalletId, string Name, long Bills, long Incomes, long TransfersIn, long TransfersOut, long Net);

internal sealed record BookReport(long BookId, long Version, string GroupBy, long? From, long? To, string Tz,
    IReadOnlyList<ReportGroup> Groups, IReadOnlyList<WalletReport> Wallets);

// Totals of a book at one version: bills and incomes per month or category, and every wallet's flows, over the
// records dated within the query's range. Amounts are minor units; sums are exact (checked 64-bit: a book within
// the record limit cannot overflow them).
internal static class Reports
{
    public static BookReport Compute(long bookId, BookState book, ReportQuery query)
    {
        var groups = new Dictionary<string, (long Bills, long Incomes)>(StringComparer.Ordinal);
        (long Bills, long Incomes) uncategorised = (0, 0);
        var hasUncategorised = false;
        var wallets = book.Wallets.Keys.ToDictionary(id => id, _ => new Flows());

        bool InRange(long date) => (query.From is not { } from || date >= from) && (query.To is not { } to || date < to);

        void AddToGroup(string? key, long bill, long income)
        {
            if (key is null)
            {
                uncategorised = (checked(uncategorised.Bills + bill), checked(uncategorised.Incomes + income));
                hasUncategorised = true;
                return;
            }
            var sums = groups.GetValueOrDefault(key);
            groups[key] = (checked(sums.Bills + bill), checked(sums.Incomes + income));
        }

        string? KeyOf(long date, string? category) => query.GroupBy == ReportGrouping.Category ? category : MonthOf(date, query.Zone);

        foreach (var bill in book.Bills.Values.Where(b => InRange(b.Date)))
        {
            AddToGroup(KeyOf(bill.Date, bill.Category), bill.Amount, 0);
            if (wallets.TryGetValue(bill.WalletId, out var flows)) flows.Bills = checked(flows.Bills + bill.Amount);
        }
        foreach (var income in book.Incomes.Values.Where(i => InRange(i.Date)))
        {
            AddToGroup(KeyOf(income.Date, income.Category), 0, income.Amount);
            if (wallets.TryGetValue(income.WalletId, out var flows)) flows.Incomes = checked(flows.Incomes + income.Amount);
        }
        foreach (var transfer in book.Transfers.Values.Where(t => InRange(t.Date)))
        {
            if (wallets.TryGetValue(transfer.FromWalletId, out var from)) from.TransfersOut = checked(from.TransfersOut + transfer.Amount);
            if (wallets.TryGetValue(transfer.ToWalletId, out var to)) to.TransfersIn = checked(to.TransfersIn + transfer.Amount);
        }

        // Uncategorised first, then the keys in ordinal order ("2026-09" before "2026-10").
        var ordered = new List<ReportGroup>();
        if (hasUncategorised) ordered.Add(Group(null, uncategorised));
        ordered.AddRange(groups.OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => Group(g.Key, g.Value)));

        var walletReports = book.Wallets.Values.Select(w =>
        {
            var f = wallets[w.Id];
            return new WalletReport(w.Id, w.Name, f.Bills, f.Incomes, f.TransfersIn, f.TransfersOut,
                checked(f.Incomes - f.Bills + f.TransfersIn - f.TransfersOut));
        }).ToList();

        return new BookReport(bookId, book.Version, query.GroupBy == ReportGrouping.Month ? "month" : "category",
            query.From, query.To, query.Zone.Id, ordered, walletReports);
    }

    // The calendar month of an instant in a zone, as "yyyy-MM".
    public static string? MonthOf(long epochMs, TimeZoneInfo zone)
    {
        if (epochMs > MaxEpochMs) return null;
        try
        {
            var local = TimeZoneInfo.ConvertTime(DateTimeOffset.FromUnixTimeMilliseconds(epochMs), zone);
            return local.ToString("yyyy-MM", CultureInfo.InvariantCulture);
        }
        catch (ArgumentOutOfRangeException)
        {
            return null; // the last hours of the year 9999, shifted past it by the zone
        }
    }

    // 9999-12-31T23:59:59.999Z, the last instant DateTimeOffset holds.
    public static readonly long MaxEpochMs = DateTimeOffset.MaxValue.ToUnixTimeMilliseconds();

    private static ReportGroup Group(string? key, (long Bills, long Incomes) sums) =>
        new(key, sums.Bills, sums.Incomes, checked(sums.Incomes - sums.Bills));

    private sealed class Flows
    {
        public long Bills;
        public long Incomes;
        public long TransfersIn;
        public long TransfersOut;
    }
}
