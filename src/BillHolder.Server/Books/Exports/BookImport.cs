using System.Collections.Immutable;
using BillHolder.Server.Books.Engine;
using BillHolder.Server.Books.Parsing;

namespace BillHolder.Server.Books.Exports;

// What turns an applied import into the book to store: the engine stamped every record as created and last edited
// by the importer; the file's record of who did (when it names someone) is put back.
internal static class BookImport
{
    // The sync id of an imported book's first (and only) history entry: the importer's username and "import".
    public const string SyncId = "import";

    public static BookState WithAttribution(BookState book, ByCollection<IReadOnlyDictionary<long, long>> idMap, ImportedBook import,
        string importer)
    {
        ImmutableSortedDictionary<long, T> Restamp<T>(Collection collection, ImmutableSortedDictionary<long, T> records,
            IReadOnlyList<IRecordInput> inputs, Func<T, string, string, T> stamp)
        {
            var builder = records.ToBuilder();
            for (var index = 0; index < inputs.Count; index++)
            {
                var id = idMap[collection][inputs[index].Id];
                var attribution = import.Attributions[collection][index];
                builder[id] = stamp(builder[id], attribution.CreatedBy ?? importer, attribution.LastEditedBy ?? importer);
            }
            return builder.ToImmutable();
        }

        var inputs = import.Changes.All;
        return book with
        {
            Wallets = Restamp(Collection.Wallets, book.Wallets, inputs.Wallets, (r, c, e) => r with { CreatedBy = c, LastEditedBy = e }),
            Bills = Restamp(Collection.Bills, book.Bills, inputs.Bills, (r, c, e) => r with { CreatedBy = c, LastEditedBy = e }),
            Transfers = Restamp(Collection.Transfers, book.Transfers, inputs.Transfers, (r, c, e) => r with { CreatedBy = c, LastEditedBy = e }),
            Incomes = Restamp(Collection.Incomes, book.Incomes, inputs.Incomes, (r, c, e) => r with { CreatedBy = c, LastEditedBy = e }),
        };
    }
}
