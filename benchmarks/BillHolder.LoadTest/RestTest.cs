using System.Diagnostics;

namespace BillHolder.LoadTest;

// Closed loop over REST: each client sends its next 10-record sync as soon as the previous one answered.
// The measured window lasts --seconds, and longer if needed until --min-syncs were answered, but never past
// --max-seconds (so a slow server still ends; at least one sync is measured within it; the extension stops at
// once when the rate so far could not reach --min-syncs by --max-seconds): a checkpointing server needs a number of syncs per checkpoint
// cycle, not a duration. With --db the redo the database wrote during the window is divided by its syncs.
// checkpoints= counts the checkpoints the server finished within the window (from its /metrics).
internal static class RestTest
{
    public static async Task RunAsync(Options options)
    {
        int books = options.Int("books", 10), clients = options.Int("clients", 20), seconds = options.Int("seconds", 20);
        int warmup = options.Int("warmup", 3), preload = options.Int("preload", 0);
        int minSyncs = options.Int("min-syncs", 0), maxSeconds = Math.Max(seconds, options.Int("max-seconds", seconds));
        var seeding = Stopwatch.GetTimestamp();
        var fixture = await Fixture.CreateAsync(new Api(options.Url), options.Int("users", 5), books, preload, options.Int("chunk", 5_000));
        var seedSeconds = Clock.MillisecondsSince(seeding) / 1000;
        var api = fixture.Api;
        await using var redo = await Redo.OpenAsync(options.Text("db", ""));

        var latencies = new List<double>[clients];
        var errors = new Dictionary<int, int>[clients];
        var measured = 0;
        var measuredFrom = Stopwatch.GetTimestamp() + (long)(warmup * Stopwatch.Frequency);
        var end = measuredFrom + (long)(seconds * Stopwatch.Frequency);
        var hardEnd = measuredFrom + (long)(maxSeconds * Stopwatch.Frequency);
        var gaveUp = false;
        bool Running()
        {
            var now = Stopwatch.GetTimestamp();
            if (now < end) return true;
            var count = Volatile.Read(ref measured);
            if (count >= Math.Max(minSyncs, 1) || now >= hardEnd) return false;
            // Past --seconds and short of --min-syncs: go on only if the rate so far can reach it by --max-seconds
            // (a server that rewrites the whole book per sync never will; do not burn the cap on it).
            if (count > 0 && count / (double)(now - measuredFrom) * (hardEnd - measuredFrom) < minSyncs)
            {
                gaveUp = true;
                return false;
            }
            return true;
        }
        using var abort = new CancellationTokenSource(TimeSpan.FromSeconds(warmup + maxSeconds + 60));
        long? redoBefore = null, checkpointsBefore = null;
        var sampler = Task.Run(async () =>
        {
            var wait = measuredFrom - Stopwatch.GetTimestamp();
            if (wait > 0) await Task.Delay(TimeSpan.FromSeconds(wait / (double)Stopwatch.Frequency));
            if (redo is not null) redoBefore = await redo.WrittenAsync();
            checkpointsBefore = await api.CheckpointsWrittenAsync();
        });
        var tasks = Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            var user = fixture.UserFor(c);
            var writer = new Writer(fixture.BookFor(c), $"rest{c}-{Guid.NewGuid():N}"[..24]);
            latencies[c] = [];
            errors[c] = [];
            while (Running() && !abort.IsCancellationRequested)
            {
                var started = Stopwatch.GetTimestamp();
                var (status, body) = await api.SyncAsync(user, writer.BookId, writer.Next(), abort.Token);
                var elapsed = Clock.MillisecondsSince(started);
                if (status == 200) writer.Accept(body);
                if (started < measuredFrom) continue;
                if (status == 200)
                {
                    latencies[c].Add(elapsed);
                    Interlocked.Increment(ref measured);
                }
                else errors[c][status] = errors[c].GetValueOrDefault(status) + 1;
            }
        })).ToArray();
        await Task.WhenAll(tasks);
        await sampler;
        var window = Clock.MillisecondsSince(measuredFrom) / 1000;
        long? redoAfter = redo is null ? null : await redo.WrittenAsync();
        var checkpoints = checkpointsBefore is { } c0 && await api.CheckpointsWrittenAsync() is { } c1 ? $" checkpoints={c1 - c0}" : "";

        var all = latencies.SelectMany(l => l).ToList();
        var failed = errors.SelectMany(e => e).GroupBy(e => e.Key).ToDictionary(g => g.Key, g => g.Sum(e => e.Value));
        var errorText = failed.Count == 0 ? "0" : string.Join(",", failed.Select(e => $"{e.Key}x{e.Value}"));
        var shortOf = minSyncs > 0 && all.Count < minSyncs ? $" min_syncs_missed={minSyncs}{(gaveUp ? " min_syncs_unreachable=1" : "")}" : "";
        Stats.Result($"rest books={books} clients={clients} preload={preload}",
            $"syncs={all.Count} syncs_per_s={all.Count / window:0.0} {Stats.Summary(all)} errors={errorText}{Redo.Field(redoBefore, redoAfter, all.Count)} window_s={window:0.0} seed_s={seedSeconds:0.0}{checkpoints}{shortOf}");
    }
}
