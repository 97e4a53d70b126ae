using BillHolder.Server.Books.Storage;

namespace BillHolder.Benchmarks;

// What one cached record costs: the managed heap a parsed book of N records keeps alive, divided by N. Sizes the
// default of Sync__CachedRecords. `dotnet run -c Release --project benchmarks/BillHolder.Benchmarks -- --memory`
internal static class CachedBookMemory
{
    public static void Print()
    {
        foreach (var records in new[] { 10_000, 50_000, 200_000 })
        {
            // Parsed from its stored JSON, as a cache miss does: every string is then an object of its own.
            var row = BenchBook.ToRow(1, BenchBook.Create(records));
            var before = Settle();
            var book = BookJson.ReadCheckpoint(row);
            var after = Settle();
            Console.WriteLine($"RESULT cached_book records={records} bytes_per_record={(after - before) / (double)book.RecordCount:0}");
            GC.KeepAlive(book);
        }
    }

    private static long Settle()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
