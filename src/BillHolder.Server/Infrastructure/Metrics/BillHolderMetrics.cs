using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace BillHolder.Server.Infrastructure.Metrics;

// Every figure BillHolder reports about itself, in one meter; features call one method at the moment it happens.
// Names are OpenTelemetry's (dots, units apart): the Prometheus exporter writes billholder.syncs as
// billholder_syncs_total and billholder.sync.duration (unit s) as billholder_sync_duration_seconds. Labels take
// a few fixed values only (results, error codes): never a book id or a user name.
internal sealed class BillHolderMetrics
{
    public const string MeterName = "BillHolder";

    private static readonly double[] SecondsBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    private static readonly long[] CountBuckets = [0, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

    private readonly Counter<long> _syncs;
    private readonly Histogram<double> _syncDuration;
    private readonly Histogram<long> _syncRecords;
    private readonly Counter<long> _conflicts;
    private readonly Histogram<long> _batchSyncs;
    private readonly Counter<long> _oneRoundTrips;
    private readonly Histogram<double> _pushLatency;
    private readonly Counter<long> _checkpoints;
    private readonly Histogram<long> _checkpointBytes;
    private readonly Counter<long> _cacheLookups;
    // Observed rather than added, so that each is exported (at 0) before its first event.
    private long _cachedRecords;
    private long _hubConnections;
    private long _openBooks;
    private long _outboxOverflowCloses;

    public BillHolderMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _syncs = meter.CreateCounter<long>("billholder.syncs", "{sync}",
            "Syncs answered, by result (applied, unchanged, replayed, rejected) and code (the error code of a rejection, else none).");
        _syncDuration = meter.CreateHistogram("billholder.sync.duration", "s",
            "From a sync joining its book's queue to its answer: waiting for the book, the batch's transaction and commit.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
        _syncRecords = meter.CreateHistogram("billholder.sync.records", "{record}", "Records sent in one sync.",
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = CountBuckets });
        _conflicts = meter.CreateCounter<long>("billholder.sync.conflicts", "{conflict}",
            "Fields of applied syncs that overwrote someone else's concurrent edit (the answer's conflicts).");
        _batchSyncs = meter.CreateHistogram("billholder.sync.batch", "{sync}", "Syncs committed together in one transaction (group commit).",
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128] });
        _oneRoundTrips = meter.CreateCounter<long>("billholder.sync.one_round_trip", "{sync}",
            "Syncs sent optimistically in one round trip, alone or in a batch, by result: committed, or fell_back (the database refused: another instance wrote the book, a user's role changed, a retried syncId; the whole batch then took the two-round-trip path).");
        meter.CreateObservableUpDownCounter("billholder.hub.connections", () => Interlocked.Read(ref _hubConnections), "{connection}",
            "Hub connections open on this instance.");
        meter.CreateObservableUpDownCounter("billholder.open_books", () => Interlocked.Read(ref _openBooks), "{book}",
            "Books at least one hub connection of this instance has open.");
        _pushLatency = meter.CreateHistogram("billholder.push.latency", "s",
            "From a committed sync's event to its BookChanged push written to one connection.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
        meter.CreateObservableCounter("billholder.outbox.overflow_closes", () => Interlocked.Read(ref _outboxOverflowCloses), "{connection}",
            "Hub connections closed because their outbox was full (Realtime__OutboxCapacity).");
        _checkpoints = meter.CreateCounter<long>("billholder.checkpoints", "{checkpoint}",
            "Checkpoint attempts, by result: written, superseded (another process wrote a newer one), failed.");
        _checkpointBytes = meter.CreateHistogram("billholder.checkpoint.size", "By", "JSON written by one checkpoint.",
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000] });
        _cacheLookups = meter.CreateCounter<long>("billholder.cache.lookups", "{lookup}",
            "Parsed-book cache lookups of syncs and reads, by result: hit (current), stale (older: the log since is replayed), miss (loaded).");
        meter.CreateObservableGauge("billholder.cache.records", () => Interlocked.Read(ref _cachedRecords), "{record}",
            "Records held by the parsed-book cache (Sync__CachedRecords bounds it).");
    }

    public void SyncAnswered(string result, string code, int records, long startedAt, int conflicts)
    {
        _syncs.Add(1, new KeyValuePair<string, object?>("result", result), new KeyValuePair<string, object?>("code", code));
        _syncDuration.Record(Stopwatch.GetElapsedTime(startedAt).TotalSeconds);
        _syncRecords.Record(records);
        if (conflicts > 0) _conflicts.Add(conflicts);
    }

    public void BatchCommitted(int syncs) => _batchSyncs.Record(syncs);

    public void OneRoundTrip(bool committed, int syncs) =>
        _oneRoundTrips.Add(syncs, new KeyValuePair<string, object?>("result", committed ? "committed" : "fell_back"));

    public void HubConnectionOpened() => Interlocked.Increment(ref _hubConnections);

    public void HubConnectionClosed() => Interlocked.Decrement(ref _hubConnections);

    public void BookOpened() => Interlocked.Increment(ref _openBooks);

    public void BookClosed() => Interlocked.Decrement(ref _openBooks);

    // Wraps one push's send; queuedAt is the Stopwatch timestamp of the event.
    public async Task Pushed(Task send, long queuedAt)
    {
        await send;
        _pushLatency.Record(Stopwatch.GetElapsedTime(queuedAt).TotalSeconds);
    }

    public void OutboxOverflowClosed() => Interlocked.Increment(ref _outboxOverflowCloses);

    public void Checkpoint(string result, long? bytes = null)
    {
        _checkpoints.Add(1, new KeyValuePair<string, object?>("result", result));
        if (bytes is { } written) _checkpointBytes.Record(written);
    }

    public void CacheLookup(bool found, bool current) =>
        _cacheLookups.Add(1, new KeyValuePair<string, object?>("result", !found ? "miss" : current ? "hit" : "stale"));

    public void CachedRecords(long records) => Interlocked.Exchange(ref _cachedRecords, records);
}
