using System.Data.Common;
using BillHolder.Server.Books.Engine;

namespace BillHolder.Server.Books.Storage;

// The book at its head version: the cached state when it is current, the cached state brought forward by the log
// rows after it when another process wrote meanwhile, or else the checkpoint plus every log row after it.
internal static class BookLoader
{
    public static async Task<StoredBook> LoadAsync(DbConnection connection, DbTransaction? transaction, HeadRow head, StoredBook? cached,
        CancellationToken cancellationToken)
    {
        if (cached is not null && cached.State.Version == head.Version) return cached;
        if (cached is not null && cached.State.Version < head.Version)
        {
            var newer = await ChangeLogStore.ReadAfterAsync(connection, transaction, head.BookId, cached.State.Version, head.Version, cancellationToken);
            // A hole means the log before the current checkpoint was pruned: start from that checkpoint instead.
            if (newer is not null) return Forward(cached, newer, head);
        }

        // A checkpoint written meanwhile may have let the pruner take rows this read needed; the next read sees it.
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var row = await BookStore.ReadCheckpointAsync(connection, transaction, head.BookId, cancellationToken)
                ?? throw new InvalidOperationException($"Book {head.BookId} has a head but no book row.");
            var log = await ChangeLogStore.ReadAfterAsync(connection, transaction, head.BookId, row.CheckpointVersion, head.Version, cancellationToken);
            if (log is null) continue;
            var json = new CollectionsJson(row.Wallets, row.Bills, row.Transfers, row.Incomes);
            var checkpoint = new StoredBook(BookJson.ReadCheckpoint(row), head.LastEditedBy, head.LastEditedAt, json.Sizes,
                row.CheckpointVersion, []);
            return Forward(checkpoint, log, head);
        }
        throw new InvalidOperationException($"The change log of book {head.BookId} misses versions after its checkpoint.");
    }

    private static StoredBook Forward(StoredBook book, IReadOnlyList<LoggedChange> log, HeadRow head)
    {
        var state = book.State;
        var sizes = book.CollectionBytes;
        foreach (var logged in log)
        {
            sizes = CollectionSizes.After(sizes, state, logged.Change);
            state = Replay.Apply(state, logged.Change);
            book = book.Logged(logged.Change.ToVersion, logged.Bytes);
        }
        return book with
        {
            State = state with { Version = head.Version, Name = head.Name, Remark = head.Remark, NextIds = head.NextIds },
            LastEditedBy = head.LastEditedBy,
            LastEditedAt = head.LastEditedAt,
            CollectionBytes = sizes,
        };
    }
}

// Each collection's JSON size after a change, from the sizes before it: O(changed records), never O(book).
internal static class CollectionSizes
{
    public static ByCollection<long> After(ByCollection<long> before, BookState state, ChangeSet change) => new(
        Delta(before.Wallets, state.Wallets, change.Wallets, change.Deleted.Wallets),
        Delta(before.Bills, state.Bills, change.Bills, change.Deleted.Bills),
        Delta(before.Transfers, state.Transfers, change.Transfers, change.Deleted.Transfers),
        Delta(before.Incomes, state.Incomes, change.Incomes, change.Deleted.Incomes));

    private static long Delta<T>(long size, IReadOnlyDictionary<long, T> stored, IReadOnlyList<T> changed, IReadOnlyList<long> deleted)
        where T : IBookRecord
    {
        foreach (var record in changed)
        {
            if (stored.TryGetValue(record.Id, out var old)) size -= BookJson.SizeOf(old);
            size += BookJson.SizeOf(record);
        }
        foreach (var id in deleted)
        {
            if (stored.TryGetValue(id, out var old)) size -= BookJson.SizeOf(old);
        }
        return size;
    }
}
