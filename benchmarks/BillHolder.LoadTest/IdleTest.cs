using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;

namespace BillHolder.LoadTest;

// Opens N hub connections that each open a book and then sit idle; the server's resident memory before and
// after, read from /proc/<pid>/status, divided by N, is the cost of one idle connection.
internal static class IdleTest
{
    public static async Task RunAsync(Options options)
    {
        int count = options.Int("connections", 2000), seconds = options.Int("seconds", 30), books = options.Int("books", 10);
        var pid = options.Int("server-pid", 0);
        if (pid <= 0) throw new ArgumentException("--server-pid is required (the server process, for its RSS)");
        var fixture = await Fixture.CreateAsync(new Api(options.Url), options.Int("users", 5), books, 0);

        await Task.Delay(2000);
        var before = RssKiB(pid);
        var hubs = new HubConnection[count];
        var failed = 0;
        var started = DateTime.UtcNow;
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, ct) =>
        {
            var hub = fixture.Api.Hub(fixture.UserFor(i));
            hub.On<long, JsonElement>("PresenceChanged", (_, _) => { });
            try
            {
                await hub.StartAsync(ct);
                var book = fixture.BookFor(i);
                await hub.InvokeAsync<JsonElement>("OpenBook", book.Id, (long?)null, ct);
            }
            catch (Exception ex)
            {
                if (Interlocked.Increment(ref failed) <= 3) Console.WriteLine($"idle: connection {i}: {ex.Message}");
            }
            hubs[i] = hub;
        });
        var opening = DateTime.UtcNow - started;
        Console.WriteLine($"idle: {count - failed} connections open in {opening.TotalSeconds:0.0} s; holding {seconds} s");
        var peak = RssKiB(pid);
        for (var s = 0; s < seconds; s++)
        {
            await Task.Delay(1000);
            peak = Math.Max(peak, RssKiB(pid));
        }
        var after = RssKiB(pid);
        var open = hubs.Count(h => h.State == HubConnectionState.Connected);

        await Parallel.ForEachAsync(hubs, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (hub, _) => await hub.DisposeAsync());
        await Task.Delay(3000);
        var closed = RssKiB(pid);
        Stats.Result($"idle connections={count}",
            $"open_at_end={open} failed={failed} open_s={opening.TotalSeconds:0.0} rss_before_mib={before / 1024.0:0.0} rss_after_mib={after / 1024.0:0.0} rss_peak_mib={peak / 1024.0:0.0} kib_per_connection={(after - before) / (double)Math.Max(1, open):0.0} rss_after_close_mib={closed / 1024.0:0.0}");
    }

    private static long RssKiB(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) return long.Parse(line[6..].Trim().Split(' ')[0]);
        }
        throw new InvalidOperationException($"no VmRSS for process {pid}");
    }
}
