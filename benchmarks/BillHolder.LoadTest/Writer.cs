using System.Text.Json;

namespace BillHolder.LoadTest;

// One client's stream of 10-record syncs against a book, the shape the engine benchmark uses:
// 3 new bills, 3 modified bills, 3 deleted bills and one transfer (new the first time, modified after).
// Each writer only touches its own records, so nothing is ever skipped and the book's size stays flat.
internal sealed class Writer(BookInfo book, string name)
{
    private readonly Queue<long> _bills = new();
    private long? _transfer;
    private int _sequence;

    public long BookId => book.Id;

    // Sent as baseVersion: the client's last known version, so answers carry only what changed since.
    public long Version { get; set; } = book.Version;

    public object Next()
    {
        var syncId = $"{name}-{++_sequence}";
        var bills = new List<object>();
        if (_bills.Count < 6)
        {
            for (var i = 1; i <= 10; i++) bills.Add(NewBill(-i));
            return new { syncId, baseVersion = Version, bills };
        }
        for (var i = 0; i < 3; i++) bills.Add(new { id = _bills.Dequeue(), status = 2 });
        for (var i = 0; i < 3; i++)
        {
            var id = _bills.Dequeue();
            bills.Add(new { id, status = 1, walletId = book.WalletA, amount = 200 + _sequence % 700, date = 1_767_225_600_000L, category = "edited" });
            _bills.Enqueue(id);
        }
        for (var i = 1; i <= 3; i++) bills.Add(NewBill(-i));
        object transfer = _transfer is { } t
            ? new { id = t, status = 1, fromWalletId = book.WalletA, toWalletId = book.WalletB, amount = 1_000 + _sequence % 500, date = 1_767_225_600_000L }
            : new { id = -1, status = 3, fromWalletId = book.WalletA, toWalletId = book.WalletB, amount = 1_000, date = 1_767_225_600_000L };
        return new { syncId, baseVersion = Version, bills, transfers = new[] { transfer } };
    }

    // Takes the server ids of the records just created (idMap) and the new version.
    public void Accept(JsonElement result)
    {
        Version = result.GetProperty("version").GetInt64();
        var idMap = result.GetProperty("idMap");
        var created = idMap.GetProperty("bills").EnumerateObject()
            .Select(p => (Provisional: long.Parse(p.Name), Id: p.Value.GetInt64()))
            .OrderByDescending(p => p.Provisional);
        foreach (var (_, id) in created) _bills.Enqueue(id);
        if (idMap.GetProperty("transfers").TryGetProperty("-1", out var transfer)) _transfer = transfer.GetInt64();
    }

    private object NewBill(long provisionalId) => new
    {
        id = provisionalId, status = 3, walletId = book.WalletA, amount = 100 + _sequence % 900, date = 1_767_225_600_000L,
        category = "load", remark = "written by the load test",
    };
}
