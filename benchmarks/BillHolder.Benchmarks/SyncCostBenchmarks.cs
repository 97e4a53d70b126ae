using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BillHolder.Server.Books.Engine;
using BillHolder.Server.Books.Storage;

namespace BillHolder.Benchmarks;

// Every CPU cost one REST or hub sync pays for a book of the given size, measured one by one:
// the engine, writing the book's JSON columns (UPDATE book), parsing a book row (cache miss),
// and building the ChangeSet that goes back to the caller.
[MemoryDiagnoser]
public class SyncCostBenchmarks
{
    private BookState _book = null!;
    private BookState _after = null!;
    private SyncRequest _request = null!;
    private CheckpointRow _row = null!;

    [Params(1_000, 10_000, 50_000)]
    public int Records { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _book = BenchBook.Create(Records);
        _request = BenchBook.TenRecordSync(_book, "bench-sync");
        _after = ((SyncOutcome.Applied)SyncEngine.Apply(_book, _request, "editor", BenchBook.Now)).Book;
        _row = BenchBook.ToRow(1, _book);
    }

    [Benchmark(Description = "Engine: SyncEngine.Apply (10 records)")]
    public object EngineApply() => SyncEngine.Apply(_book, _request, "editor", BenchBook.Now);

    [Benchmark(Description = "Json: Write wallets")]
    public string WriteWallets() => BookJson.Write(_after.Wallets.Values);

    [Benchmark(Description = "Json: Write bills")]
    public string WriteBills() => BookJson.Write(_after.Bills.Values);

    [Benchmark(Description = "Json: Write transfers")]
    public string WriteTransfers() => BookJson.Write(_after.Transfers.Values);

    [Benchmark(Description = "Json: Write incomes")]
    public string WriteIncomes() => BookJson.Write(_after.Incomes.Values);

    // What BookStore.SaveAsync serializes on every applied sync: all four columns.
    [Benchmark(Description = "Json: Write whole book (4 columns)")]
    public int WriteBook() =>
        BookJson.Write(_after.Wallets.Values).Length + BookJson.Write(_after.Bills.Values).Length
        + BookJson.Write(_after.Transfers.Values).Length + BookJson.Write(_after.Incomes.Values).Length;

    // Paid when the parsed-book cache misses (first sync after start, eviction, another process wrote).
    [Benchmark(Description = "Json: ReadState (parse book row)")]
    public object ReadState() => BookJson.ReadCheckpoint(_row);

    // The answer to a client that sent baseVersion = the version before this sync: a filter over every record.
    [Benchmark(Description = "ChangeSet: Since(baseVersion)")]
    public object ChangeSetSince() => ChangeSet.Since(1, _after, _book.Version, ChangeSet.NoneDeleted);

    // Since + its serialization: what actually goes back on the wire for a client that sent baseVersion.
    [Benchmark(Description = "ChangeSet: Since + serialize")]
    public int ChangeSetSinceSerialized() =>
        JsonSerializer.SerializeToUtf8Bytes(ChangeSet.Since(1, _after, _book.Version, ChangeSet.NoneDeleted), BookJson.Options).Length;

    // The answer to a client that sent no baseVersion: the whole book, serialized.
    [Benchmark(Description = "ChangeSet: Snapshot + serialize")]
    public int ChangeSetSnapshotSerialized() =>
        JsonSerializer.SerializeToUtf8Bytes(ChangeSet.Snapshot(1, _after), BookJson.Options).Length;
}
