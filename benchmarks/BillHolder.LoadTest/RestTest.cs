using System.Diagnostics;

namespace BillHolder.LoadTest;

// Closed loop over REST: each client sends its next 10-record sync as soon as the previous one answered.
internal static class RestTest
{
    public static async Task RunAsync(Options options)
    {
        int books = options.Int("books", 10), clients = options.Int("clients", 20), seconds = options.Int("seconds", 20);
        int warmup = options.Int("warmup", 3), preload = options.Int("preload", 0);
        var fixture = await Fixture.CreateAsync(new Api(options.Url), options.Int("users", 5), books, preload);
        var api = fixture.Api;

        var latencies = new List<double>[clients];
        var errors = new Dictionary<int, int>[clients];
        var measuredFrom = Stopwatch.GetTimestamp() + (long)(warmup * Stopwatch.Frequency);
        var end = measuredFrom + (long)(seconds * Stopwatch.Frequency);
        using var abort = new CancellationTokenSource(TimeSpan.FromSeconds(warmup + seconds + 60));
        var tasks = Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            var user = fixture.UserFor(c);
            var writer = new Writer(fixture.BookFor(c), $"rest{c}-{Guid.NewGuid():N}"[..24]);
            latencies[c] = [];
            errors[c] = [];
            while (Stopwatch.GetTimestamp() < end && !abort.IsCancellationRequested)
            {
                var started = Stopwatch.GetTimestamp();
                var (status, body) = await api.SyncAsync(user, writer.BookId, writer.Next(), abort.Token);
                var elapsed = Clock.MillisecondsSince(started);
                if (status == 200) writer.Accept(body);
                if (started < measuredFrom) continue;
                if (status == 200) latencies[c].Add(elapsed);
                else errors[c][status] = errors[c].GetValueOrDefault(status) + 1;
            }
        })).ToArray();
        await Task.WhenAll(tasks);

        var all = latencies.SelectMany(l => l).ToList();
        var failed = errors.SelectMany(e => e).GroupBy(e => e.Key).ToDictionary(g => g.Key, g => g.Sum(e => e.Value));
        var errorText = failed.Count == 0 ? "0" : string.Join(",", failed.Select(e => $"{e.Key}x{e.Value}"));
        Stats.Result($"rest books={books} clients={clients} preload={preload}",
            $"syncs={all.Count} syncs_per_s={all.Count / (double)seconds:0.0} {Stats.Summary(all)} errors={errorText}");
    }
}
