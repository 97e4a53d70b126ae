using System.Collections.Immutable;

namespace BillHolder.Server.Books.Engine;

// Brings a book forward by what the change log says each version changed. Idempotent: records are post-images
// (upserted), deleting a missing id is a no-op, so replaying a version the state already holds changes nothing.
// The id counters are not in the log; the caller takes them from the book's head.
internal static class Replay
{
    public static BookState Apply(BookState state, ChangeSet change) => state with
    {
        Version = Math.Max(state.Version, change.ToVersion),
        Name = change.Book.Name,
        Remark = change.Book.Remark,
        Wallets = Upsert(state.Wallets, change.Wallets, change.Deleted.Wallets),
        Bills = Upsert(state.Bills, change.Bills, change.Deleted.Bills),
        Transfers = Upsert(state.Transfers, change.Transfers, change.Deleted.Transfers),
        Incomes = Upsert(state.Incomes, change.Incomes, change.Deleted.Incomes),
    };

    private static ImmutableSortedDictionary<long, T> Upsert<T>(ImmutableSortedDictionary<long, T> records, IReadOnlyList<T> changed,
        IReadOnlyList<long> deleted) where T : IBookRecord
    {
        if (changed.Count == 0 && deleted.Count == 0) return records;
        var builder = records.ToBuilder();
        foreach (var record in changed) builder[record.Id] = record;
        foreach (var id in deleted) builder.Remove(id);
        return builder.ToImmutable();
    }
}
