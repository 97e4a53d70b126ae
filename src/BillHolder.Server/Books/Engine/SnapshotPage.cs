using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Text;

namespace BillHolder.Server.Books.Engine;

// One page of a book for a first sync that cannot take it whole: records in the order wallets, bills, transfers,
// incomes, each by id, a page possibly spanning collections. Next is an opaque cursor naming the book and the last
// record given, null on the last page. Pages may be read at different versions: a client keeps the first page's
// version, reads every page, then pulls the changes since that version, which converges.
internal sealed record SnapshotPage(long BookId, long Version, BookMeta Book, IReadOnlyList<Wallet> Wallets, IReadOnlyList<Bill> Bills,
    IReadOnlyList<Transfer> Transfers, IReadOnlyList<Income> Incomes, string? Next)
{
    // Null with an error message when the cursor is not one this book gave out.
    public static (SnapshotPage? Page, string? Error) Read(long bookId, BookState book, string? cursor, int limit)
    {
        var position = (Collection: 0, AfterId: long.MinValue);
        if (!string.IsNullOrEmpty(cursor))
        {
            if (Decode(cursor) is not { } decoded || decoded.BookId != bookId) return (null, "is not a cursor of this book's snapshot");
            position = (decoded.Collection, decoded.AfterId);
        }

        var left = limit;
        string? next = null;
        List<T> Take<T>(Collection collection, ImmutableSortedDictionary<long, T> records) where T : IBookRecord
        {
            var page = new List<T>();
            if ((int)collection < position.Collection || next is not null) return page;
            var after = (int)collection == position.Collection ? position.AfterId : long.MinValue;
            var ids = SortedIds(records);
            var start = Array.BinarySearch(ids, after);
            for (var i = start >= 0 ? start + 1 : ~start; i < ids.Length; i++)
            {
                var id = ids[i];
                if (left == 0)
                {
                    // Full, and this collection has more: the next page starts after the last record given.
                    next = Encode(bookId, (int)collection, page.Count > 0 ? page[^1].Id : after);
                    break;
                }
                page.Add(records[id]);
                left--;
            }
            return page;
        }

        var wallets = Take(Collection.Wallets, book.Wallets);
        var bills = Take(Collection.Bills, book.Bills);
        var transfers = Take(Collection.Transfers, book.Transfers);
        var incomes = Take(Collection.Incomes, book.Incomes);
        return (new SnapshotPage(bookId, book.Version, new BookMeta(book.Name, book.Remark), wallets, bills, transfers, incomes, next), null);
    }

    // The sorted dictionary cannot start an enumeration at a key, so each collection's ids are copied once into an
    // array per version of it (kept while that version lives) and each page seeks by binary search: a first sync of
    // a book whose collection does not change meanwhile costs O(n) once, not O(n) per page. A collection changed
    // between two pages costs one copy for the next page.
    private static readonly ConditionalWeakTable<object, long[]> Ids = new();

    private static long[] SortedIds<T>(ImmutableSortedDictionary<long, T> records) =>
        Ids.GetValue(records, _ => [.. records.Keys]);

    private static string Encode(long bookId, int collection, long afterId) =>
        Convert.ToBase64String(Encoding.ASCII.GetBytes($"s1:{bookId}:{collection}:{afterId}")).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static (long BookId, int Collection, long AfterId)? Decode(string cursor)
    {
        try
        {
            var base64 = cursor.Replace('-', '+').Replace('_', '/');
            base64 += new string('=', (4 - base64.Length % 4) % 4);
            var parts = Encoding.ASCII.GetString(Convert.FromBase64String(base64)).Split(':');
            return parts is ["s1", var book, var collection, var after]
                && long.TryParse(book, out var bookId) && int.TryParse(collection, out var index) && index is >= 0 and <= 3
                && long.TryParse(after, out var afterId)
                ? (bookId, index, afterId) : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
