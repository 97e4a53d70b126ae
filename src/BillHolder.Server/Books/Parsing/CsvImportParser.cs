using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using BillHolder.Server.Books.Engine;
using BillHolder.Server.Books.Exports;
using BillHolder.Server.Infrastructure.Errors;
using CsvHelper;

namespace BillHolder.Server.Books.Parsing;

// A CSV import as one sync, and which CSV data record (0-based, the header not counted) each new record came from.
internal sealed partial record CsvImport(SyncRequest Request, ByCollection<IReadOnlyList<int>> Rows)
{
    // "bills[2].amount" of the sync -> "rows[7].amount" of the CSV; other keys stay.
    public string RowPath(string path)
    {
        var match = SyncPath().Match(path);
        if (!match.Success) return path;
        var collection = Collections.All.First(c => c.JsonName() == match.Groups[1].Value);
        var index = int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture);
        var rows = Rows[collection];
        return index < rows.Count ? $"rows[{rows[index]}]{match.Groups[3].Value}" : path;
    }

    // The sync's refusal (unknown_wallet, validation) with its errors keyed by CSV row.
    public ApiError ByRow(ApiError error)
    {
        if (error.Extensions?.GetValueOrDefault("errors") is not IReadOnlyDictionary<string, string[]> errors) return error;
        var extensions = new Dictionary<string, object?>(error.Extensions) { ["errors"] = Remap(errors, RowPath) };
        return error with { Extensions = extensions };
    }

    public static Dictionary<string, string[]> Remap(IReadOnlyDictionary<string, string[]> errors, Func<string, string> path)
    {
        var remapped = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var (key, messages) in errors)
        {
            var to = path(key);
            remapped[to] = remapped.TryGetValue(to, out var existing) ? [.. existing, .. messages] : messages;
        }
        return remapped;
    }

    [GeneratedRegex(@"^(wallets|bills|transfers|incomes)\[(\d+)\](.*)$", RegexOptions.CultureInvariant)]
    private static partial Regex SyncPath();
}

// Reads the CSV of POST /api/books/{bookId}/import?format=csv: BookCsv's header, then rows of bills, incomes and
// transfers with an empty id. Cells are turned into the fields of a sync body and checked by SyncParser, so the rules
// are the sync's; every error is keyed by data record ("rows[3].amount", N counting records, not physical lines).
internal static class CsvImportParser
{
    private static readonly string[] DateFormats =
    [
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mmK", "yyyy-MM-dd",
    ];

    private static readonly string[] NotForWallets = ["name", "color", "openingBalance", "balance"];

    public static async Task<Result<CsvImport>> ParseAsync(Stream body, string syncId, int maxRows, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var arrays = ByCollection<JsonArray>.Of(_ => []);
        var rows = ByCollection<List<int>>.Of(_ => []);
        var options = CsvReaderOptions.Default with
        {
            Separator = ',',
            HasHeader = true,
            FieldCountMismatch = CsvFieldCountHandling.Allow,
            MalformedData = CsvMalformedDataHandling.Throw,
            IncludeValuesInExceptions = false,
        };
        var stopped = false;
        try
        {
            await using var csv = CsvReader.Create(body, options, leaveOpen: true);
            await csv.ReadHeaderAsync(cancellationToken);
            if (!csv.Headers.SequenceEqual(BookCsv.Header, StringComparer.Ordinal))
            {
                return ApiError.Validation("header", $"must be exactly {string.Join(',', BookCsv.Header)}");
            }
            var row = 0;
            while (await csv.ReadAsync(cancellationToken))
            {
                if (row == maxRows)
                {
                    errors.Add("rows", $"too many rows: at most {maxRows} in one import");
                    stopped = true;
                    break;
                }
                ReadRow(csv, row, arrays, rows, errors);
                if (errors.Count >= ImportParser.MaxErrors)
                {
                    errors.Add("", $"more than {ImportParser.MaxErrors} errors; the rest of the file was not checked");
                    stopped = true;
                    break;
                }
                row++;
            }
        }
        catch (CsvFormatException)
        {
            return new ApiError(StatusCodes.Status400BadRequest, ErrorCodes.MalformedRequest,
                "The body is not RFC 4180 CSV (check its quoting).");
        }
        if (stopped) return ApiError.Validation(errors.ToDictionary());

        var bodyJson = new JsonObject { ["bills"] = arrays.Bills, ["transfers"] = arrays.Transfers, ["incomes"] = arrays.Incomes };
        using var document = JsonDocument.Parse(bodyJson.ToJsonString());
        var parsed = SyncParser.Parse(document.RootElement, new SyncParseOptions(syncId, MaxRecords: maxRows));
        var import = new CsvImport(parsed.Value ?? new SyncRequest(syncId, null, null, SyncChanges.None),
            rows.Select((_, list) => (IReadOnlyList<int>)list));
        if (parsed.IsOk && !errors.Any) return import;

        // The cells' own errors, then the sync's rules on the rest (a cell that did not parse was left out: its
        // "is required" would only repeat the cell's error).
        var all = errors.ToDictionary().ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
        if (!parsed.IsOk)
        {
            foreach (var (path, messages) in CsvImport.Remap(parsed.Error.Errors, import.RowPath)) all.TryAdd(path, messages);
        }
        return ApiError.Validation(all);
    }

    private static void ReadRow(CsvReader csv, int row, ByCollection<JsonArray> arrays, ByCollection<List<int>> rows, ValidationErrors errors)
    {
        var path = $"rows[{row}]";
        if (csv.FieldCount != BookCsv.Header.Length)
        {
            errors.Add(path, $"must have {BookCsv.Header.Length} fields, as the header (it has {csv.FieldCount})");
            return;
        }
        var cells = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < BookCsv.Header.Length; i++) cells[BookCsv.Header[i]] = csv.GetString(i) ?? "";

        Collection? collection = cells["collection"] switch
        {
            "bill" => Collection.Bills,
            "income" => Collection.Incomes,
            "transfer" => Collection.Transfers,
            _ => null,
        };
        if (collection is null)
        {
            errors.Add($"{path}.collection", cells["collection"] == "wallet"
                ? "wallets are not imported from CSV: must be bill, income or transfer"
                : "must be bill, income or transfer");
            return;
        }
        if (cells["id"].Length > 0) errors.Add($"{path}.id", "must be empty: the server assigns ids");

        var isTransfer = collection == Collection.Transfers;
        string[] mustBeEmpty = isTransfer ? ["walletId", "category", .. NotForWallets] : ["fromWalletId", "toWalletId", .. NotForWallets];
        foreach (var column in mustBeEmpty)
        {
            if (cells[column].Length > 0) errors.Add($"{path}.{column}", $"must be empty for a {cells["collection"]}");
        }

        var list = arrays[collection.Value];
        var record = new JsonObject { ["id"] = -(list.Count + 1), ["status"] = (int)RecordStatus.New };
        string[] integers = isTransfer ? ["fromWalletId", "toWalletId", "amount"] : ["walletId", "amount"];
        foreach (var column in integers) Integer(cells, column, path, record, errors);
        foreach (var column in new[] { "date", "createdAt", "lastEditedAt" }) Date(cells, column, path, record, errors);
        foreach (var column in isTransfer ? ["remark"] : new[] { "category", "remark" })
        {
            if (cells[column].Length > 0) record[column] = BookCsv.Undefuse(cells[column]);
        }
        // version, createdBy and lastEditedBy are the server's: the sync stamps them, as any sync does.
        list.Add(record);
        rows[collection.Value].Add(row);
    }

    // Empty cells are left out, so the sync's rules say whether the field is required.
    private static void Integer(Dictionary<string, string> cells, string column, string path, JsonObject record, ValidationErrors errors)
    {
        var cell = cells[column];
        if (cell.Length == 0) return;
        if (long.TryParse(cell, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)) record[column] = value;
        else errors.Add($"{path}.{column}", "must be an integer (minor units for amounts)");
    }

    private static void Date(Dictionary<string, string> cells, string column, string path, JsonObject record, ValidationErrors errors)
    {
        var cell = cells[column];
        if (cell.Length == 0) return;
        if (DateTimeOffset.TryParseExact(cell, DateFormats, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var instant))
        {
            record[column] = instant.ToUnixTimeMilliseconds();
        }
        else if (cell.All(char.IsAsciiDigit) && long.TryParse(cell, NumberStyles.None, CultureInfo.InvariantCulture, out var epochMs))
        {
            record[column] = epochMs;
        }
        else
        {
            errors.Add($"{path}.{column}", "must be an ISO 8601 date and time (2026-11-30T12:00:00.000Z; an offset or a plain date means that instant or 00:00 UTC)");
        }
    }
}
