using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace BillHolder.LoadTest;

// Closed loop over the hub: every client has its own connection, opens its book (so it also receives the
// other clients' pushes) and invokes Sync back to back.
internal static class HubTest
{
    public static async Task RunAsync(Options options)
    {
        int books = options.Int("books", 20), clients = options.Int("clients", 200), seconds = options.Int("seconds", 20);
        int warmup = options.Int("warmup", 3);
        var fixture = await Fixture.CreateAsync(new Api(options.Url), options.Int("users", 5), books, options.Int("preload", 0));

        long pushes = 0;
        var connections = new HubConnection[clients];
        var writers = new Writer[clients];
        await Parallel.ForEachAsync(Enumerable.Range(0, clients), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (c, ct) =>
        {
            var hub = fixture.Api.Hub(fixture.UserFor(c), options.Instances[c % options.Instances.Length]);
            hub.On<JsonElement>("BookChanged", _ => Interlocked.Increment(ref pushes));
            hub.On<long, JsonElement>("PresenceChanged", (_, _) => { });
            await hub.StartAsync(ct);
            var writer = new Writer(fixture.BookFor(c), $"hub{c}-{Guid.NewGuid():N}"[..24]);
            var opened = await hub.InvokeAsync<JsonElement>("OpenBook", writer.BookId, (long?)null, ct);
            writer.Version = opened.GetProperty("toVersion").GetInt64();
            connections[c] = hub;
            writers[c] = writer;
        });
        Console.WriteLine($"hub: {clients} connections open");

        var latencies = new List<double>[clients];
        var errors = new int[clients];
        var measuredFrom = Stopwatch.GetTimestamp() + (long)(warmup * Stopwatch.Frequency);
        var end = measuredFrom + (long)(seconds * Stopwatch.Frequency);
        long pushesAtStart = 0;
        using var abort = new CancellationTokenSource(TimeSpan.FromSeconds(warmup + seconds + 60));
        var counter = Task.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(warmup));
            pushesAtStart = Interlocked.Read(ref pushes);
        });
        await Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            latencies[c] = [];
            while (Stopwatch.GetTimestamp() < end && !abort.IsCancellationRequested)
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    var result = await connections[c].InvokeAsync<JsonElement>("Sync", writers[c].BookId, writers[c].Next(), abort.Token);
                    writers[c].Accept(result);
                    if (started >= measuredFrom) latencies[c].Add(Clock.MillisecondsSince(started));
                }
                catch (Exception ex) when (ex is HubException or OperationCanceledException)
                {
                    if (started >= measuredFrom) errors[c]++;
                    if (errors[c] == 1) Console.WriteLine($"hub: client {c}: {ex.Message}");
                }
            }
        })).Append(counter));
        var received = Interlocked.Read(ref pushes) - pushesAtStart;

        await Parallel.ForEachAsync(connections, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (hub, _) => await hub.DisposeAsync());
        var all = latencies.SelectMany(l => l).ToList();
        Stats.Result($"hub books={books} clients={clients}{(options.Instances.Length > 1 ? $" instances={options.Instances.Length}" : "")}",
            $"syncs={all.Count} syncs_per_s={all.Count / (double)seconds:0.0} {Stats.Summary(all)} pushes_received_per_s={received / (double)seconds:0} errors={errors.Sum()}");
    }
}
