using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;

namespace BillHolder.LoadTest;

// One writer and N listeners on one book, all over the hub, all in this process (one clock).
// For every sync the writer notes when it invoked Sync (start) and when the result came back (result);
// each listener notes when the BookChanged with that toVersion arrived (receipt). Syncs are paced: the next
// one starts when every listener has the previous push (or after 5 s), so this is latency, not throughput.
// With --instances the writer is on the first instance and the listeners are dealt over all of them; the
// result-to-receipt latency is also given apart for listeners on the writer's instance and on the others.
internal static class FanoutTest
{
    public static async Task RunAsync(Options options)
    {
        int listeners = options.Int("listeners", 50), syncs = options.Int("syncs", 200);
        var fixture = await Fixture.CreateAsync(new Api(options.Url), options.Int("users", 5), 1, options.Int("preload", 0));
        var book = fixture.Books[0];

        var instances = options.Instances;
        var receipts = new ConcurrentDictionary<long, ConcurrentBag<(long At, bool Remote)>>();
        var hubs = new HubConnection[listeners];
        await Parallel.ForEachAsync(Enumerable.Range(0, listeners), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
        {
            var remote = i % instances.Length != 0;
            var hub = fixture.Api.Hub(fixture.UserFor(i + 1), instances[i % instances.Length]);
            hub.On<JsonElement>("BookChanged", changes =>
            {
                var at = Stopwatch.GetTimestamp();
                receipts.GetOrAdd(changes.GetProperty("toVersion").GetInt64(), _ => []).Add((at, remote));
            });
            hub.On<long, JsonElement>("PresenceChanged", (_, _) => { });
            await hub.StartAsync(ct);
            await hub.InvokeAsync<JsonElement>("OpenBook", book.Id, (long?)null, ct);
            hubs[i] = hub;
        });

        await using var writerHub = fixture.Api.Hub(fixture.UserFor(0), instances[0]);
        await writerHub.StartAsync();
        var opened = await writerHub.InvokeAsync<JsonElement>("OpenBook", book.Id, (long?)null);
        var writer = new Writer(book, $"fan-{Guid.NewGuid():N}"[..20]) { Version = opened.GetProperty("toVersion").GetInt64() };
        await Task.Delay(500); // presence pushes from the joins settle

        var fromStart = new List<double>();
        var fromResult = new List<double>();
        var local = new List<double>();
        var remoteLatencies = new List<double>();
        var missing = 0;
        for (var s = 0; s < syncs; s++)
        {
            var started = Stopwatch.GetTimestamp();
            var result = await writerHub.InvokeAsync<JsonElement>("Sync", book.Id, writer.Next());
            var answered = Stopwatch.GetTimestamp();
            writer.Accept(result);
            var version = writer.Version;
            var deadline = Stopwatch.GetTimestamp() + 5 * Stopwatch.Frequency;
            while ((receipts.TryGetValue(version, out var bag) ? bag.Count : 0) < listeners && Stopwatch.GetTimestamp() < deadline)
            {
                await Task.Delay(1);
            }
            var got = receipts.TryGetValue(version, out var all) ? all.ToArray() : [];
            missing += listeners - got.Length;
            if (s < 5) continue; // warm-up
            foreach (var (at, remote) in got)
            {
                fromStart.Add(Clock.Milliseconds(started, at));
                fromResult.Add(Clock.Milliseconds(answered, at));
                (remote ? remoteLatencies : local).Add(Clock.Milliseconds(answered, at));
            }
        }

        await Parallel.ForEachAsync(hubs, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (hub, _) => await hub.DisposeAsync());
        var name = instances.Length == 1 ? $"fanout listeners={listeners} syncs={syncs}" : $"fanout listeners={listeners} syncs={syncs} instances={instances.Length}";
        Stats.Result($"{name}",
            $"receipts={fromStart.Count} start_to_receipt {Stats.Summary(fromStart)} missing={missing}");
        Stats.Result($"{name} (from result)",
            $"result_to_receipt {Stats.Summary(fromResult)} (negative = push arrived before the writer's own result)");
        if (instances.Length > 1)
        {
            Stats.Result($"{name} (from result, writer's instance)", $"receipts={local.Count} result_to_receipt {Stats.Summary(local)}");
            Stats.Result($"{name} (from result, other instances)", $"receipts={remoteLatencies.Count} result_to_receipt {Stats.Summary(remoteLatencies)}");
        }
    }
}
