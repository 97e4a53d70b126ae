using System.Globalization;

namespace BillHolder.LoadTest;

internal static class Stats
{
    // Nearest-rank percentile of latencies in milliseconds.
    public static double Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];

    public static string Summary(List<double> latencies)
    {
        latencies.Sort();
        return string.Create(CultureInfo.InvariantCulture,
            $"p50_ms={Percentile(latencies, 50):0.0} p90_ms={Percentile(latencies, 90):0.0} p99_ms={Percentile(latencies, 99):0.0} max_ms={(latencies.Count > 0 ? latencies[^1] : double.NaN):0.0}");
    }

    // One line per result that run.sh collects into its table.
    public static void Result(string name, FormattableString values) =>
        Console.WriteLine("RESULT " + name + " " + values.ToString(CultureInfo.InvariantCulture));
}
