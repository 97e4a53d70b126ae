using System.ComponentModel.DataAnnotations;

namespace BillHolder.Server.Books;

// Limits of POST /api/books/import (a JSON export; its records are also bounded by Sync__MaxRecordsPerBook and each
// collection by Sync__MaxCollectionBytes) and of POST /api/books/{bookId}/import?format=csv (one sync: at most
// Sync__MaxRecordsPerSync rows).
internal sealed class ImportOptions
{
    public const string SectionName = "Import";

    [Range(1024, 4L * 1024 * 1024 * 1024)]
    public long MaxBodyBytes { get; set; } = 256L * 1024 * 1024;

    [Range(1024, 256L * 1024 * 1024)]
    public long MaxCsvBodyBytes { get; set; } = 4L * 1024 * 1024;
}
