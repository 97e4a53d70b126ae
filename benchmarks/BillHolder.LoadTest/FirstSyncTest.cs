using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace BillHolder.LoadTest;

// The first sync of a big book, as a new device does it: through GET /api/books/{id}/snapshot pages (keep the
// first page's version, read every page, then pull changes?since=<that version>), and for comparison the
// whole book in one GET /api/books/{id} (today's only way). For each: seconds, pages, bytes, and the server's
// peak RSS while it ran (VmHWM after resetting it through /proc/<pid>/clear_refs, and the highest VmRSS sampled
// every 20 ms, whichever is higher). `--seed-only FILE` only seeds and notes the book in FILE; `--book FILE` then
// measures that book (run.sh restarts the server in between, so the read starts cold). A server without the snapshot route (404 that is not book_not_found) gets
// a "not available on this server" line and the paged part is skipped.
internal static class FirstSyncTest
{
    public static async Task RunAsync(Options options)
    {
        int records = options.Int("records", 200_000), limit = options.Int("limit", 1_000), pid = options.Int("server-pid", 0);
        var api = new Api(options.Url);
        var seedOnly = options.Text("seed-only", "");
        var bookFile = options.Text("book", "");
        User user;
        BookInfo book;
        if (bookFile.Length > 0)
        {
            // A book seeded earlier (--seed-only), typically before a server restart: "username bookId records".
            var parts = File.ReadAllText(bookFile).Split(' ', StringSplitOptions.TrimEntries);
            user = await api.RegisterAndLoginAsync(parts[0]);
            book = new BookInfo(long.Parse(parts[1], CultureInfo.InvariantCulture), 0, 0, 0);
            records = int.Parse(parts[2], CultureInfo.InvariantCulture);
        }
        else
        {
            user = await api.RegisterAndLoginAsync($"fs{Guid.NewGuid():N}"[..12]);
            var seeding = Stopwatch.GetTimestamp();
            book = await api.CreateBookAsync(user, "first sync", records, options.Int("chunk", 5_000));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"setup: book {book.Id} with {records} bills + 2 wallets at version {book.Version} in {Clock.MillisecondsSince(seeding) / 1000:0.0} s"));
            if (seedOnly.Length > 0)
            {
                await File.WriteAllTextAsync(seedOnly, $"{user.Username} {book.Id} {records}");
                return;
            }
        }
        var expected = records + 2;

        // Probe on an empty book of the same user, so the big book is first touched by the measured read.
        var probe = await api.CreateBookAsync(user, "snapshot probe", 0);
        var (probeStatus, probeBody, _) = await api.GetAsync(user, $"/api/books/{probe.Id}/snapshot?limit=1");
        var paged = probeStatus == 200;
        var code = probeBody.ValueKind == JsonValueKind.Object && probeBody.TryGetProperty("code", out var c) ? c.ToString() : "";
        if (probeStatus == 404 && code == "book_not_found")
        {
            // The route exists but refuses the book's owner: a server bug, not a missing feature.
            Stats.Result($"firstsync-pages records={records}", $"failed=probe status={probeStatus} code={code}");
            paged = false;
        }
        else if (!paged)
        {
            Console.WriteLine($"firstsync: snapshot pages not available on this server (GET /api/books/{{id}}/snapshot answered {probeStatus} {code})");
            Stats.Result($"firstsync-pages records={records}", $"skipped=not_available status={probeStatus}");
        }

        if (paged)
        {
            var (result, peak, baseline) = await MeasureAsync(pid, () => PagesAsync(api, user, book.Id, limit, expected));
            Stats.Result($"firstsync-pages records={records} limit={limit}",
                $"{result} rss_before_mib={baseline:0} peak_rss_mib={peak:0}");
        }
        var (full, fullPeak, fullBaseline) = await MeasureAsync(pid, async () =>
        {
            var started = Stopwatch.GetTimestamp();
            var (status, body, bytes) = await api.GetAsync(user, $"/api/books/{book.Id}");
            var seconds = Clock.MillisecondsSince(started) / 1000;
            var count = status == 200 ? Count(body) : 0;
            return string.Create(CultureInfo.InvariantCulture, $"status={status} seconds={seconds:0.00} records={count} mib={bytes / 1048576.0:0.0}");
        });
        Stats.Result($"firstsync-whole-get records={records}", $"{full} rss_before_mib={fullBaseline:0} peak_rss_mib={fullPeak:0}");
    }

    private static async Task<string> PagesAsync(Api api, User user, long bookId, int limit, int expected)
    {
        var started = Stopwatch.GetTimestamp();
        string? cursor = null;
        long? version = null;
        long bytes = 0, count = 0;
        var pages = 0;
        var maxPages = expected / Math.Max(1, limit) + 10;
        while (pages < maxPages)
        {
            var path = $"/api/books/{bookId}/snapshot?limit={limit}" + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}");
            var (status, body, size) = await api.GetAsync(user, path);
            if (status != 200) return $"status={status} failed_at_page={pages + 1}";
            pages++;
            bytes += size;
            count += Count(body);
            version ??= body.GetProperty("version").GetInt64();
            var next = body.GetProperty("next");
            if (next.ValueKind == JsonValueKind.Null) break;
            cursor = next.ToString();
        }
        var pagesSeconds = Clock.MillisecondsSince(started) / 1000;
        var (pullStatus, _, pullBytes) = await api.GetAsync(user, $"/api/books/{bookId}/changes?since={version}");
        var seconds = Clock.MillisecondsSince(started) / 1000;
        return string.Create(CultureInfo.InvariantCulture,
            $"status=200 seconds={seconds:0.00} pages_s={pagesSeconds:0.00} pages={pages} records={count} expected={expected} mib={(bytes + pullBytes) / 1048576.0:0.0} pull_status={pullStatus}");
    }

    private static long Count(JsonElement body)
    {
        long count = 0;
        foreach (var name in new[] { "wallets", "bills", "transfers", "incomes" })
        {
            if (body.TryGetProperty(name, out var list) && list.ValueKind == JsonValueKind.Array) count += list.GetArrayLength();
        }
        return count;
    }

    // Runs the measured action while sampling the server's RSS; peak and baseline in MiB (NaN without a pid).
    private static async Task<(string Result, double Peak, double Baseline)> MeasureAsync(int pid, Func<Task<string>> action)
    {
        if (pid <= 0) return (await action(), double.NaN, double.NaN);
        var status = $"/proc/{pid}/status";
        GC.Collect();
        var baseline = Kib(status, "VmRSS:");
        try { await File.WriteAllTextAsync($"/proc/{pid}/clear_refs", "5"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        var peak = baseline;
        using var done = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!done.IsCancellationRequested)
            {
                peak = Math.Max(peak, Kib(status, "VmRSS:"));
                try { await Task.Delay(20, done.Token); } catch (OperationCanceledException) { }
            }
        });
        var result = await action();
        await done.CancelAsync();
        await sampler;
        peak = Math.Max(peak, Kib(status, "VmHWM:"));
        return (result, peak / 1024, baseline / 1024);
    }

    private static double Kib(string statusFile, string field)
    {
        foreach (var line in File.ReadLines(statusFile))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
                return double.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
        return double.NaN;
    }
}
