using System.Text.Json;
using System.Text.Json.Serialization;
using BillHolder.Server.Books.Engine;
using BillHolder.Server.Infrastructure.Errors;
using static BillHolder.Server.Books.Parsing.Presence;

namespace BillHolder.Server.Books.Parsing;

// Who made and last edited a record, as the file says (null: the importer).
internal sealed record Attribution(string? CreatedBy, string? LastEditedBy);

// A validated JSON export: the book's name and remark, its records as new records whose provisional ids are the
// file's ids (so the file's wallet references resolve to the new wallets), and each record's attribution.
internal sealed record ImportedBook(string Name, string? Remark, SyncChanges Changes, ByCollection<IReadOnlyList<Attribution>> Attributions);

// Reads a JSON export (BookExport's shape) as a stream: the serializer reads the body in buffers and hands each record
// to a converter that validates it with the sync's rules (SyncParser) and keeps only its input, so no whole-body
// document or string is ever built. Every error is collected by JSON path ("bills[2].amount"), up to MaxErrors.
internal static class ImportParser
{
    public const string Format = "billholder-book";
    public const int FormatVersion = 1;
    public const int MaxErrors = 1_000;
    public const int MaxUsernameLength = 32;

    public static async Task<Result<ImportedBook>> ParseAsync(Stream body, int maxRecords, CancellationToken cancellationToken)
    {
        var reader = new Reader(maxRecords);
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            AllowDuplicateProperties = false,
            Converters =
            {
                new ElementConverter<RecordSlot<Wallet>>(e => reader.ReadRecord(Collection.Wallets, e)),
                new ElementConverter<RecordSlot<Bill>>(e => reader.ReadRecord(Collection.Bills, e)),
                new ElementConverter<RecordSlot<Transfer>>(e => reader.ReadRecord(Collection.Transfers, e)),
                new ElementConverter<RecordSlot<Income>>(e => reader.ReadRecord(Collection.Incomes, e)),
                new ElementConverter<BookSlot>(reader.ReadBook), new ElementConverter<VersionSlot>(reader.ReadFormatVersion),
                new SkippedConverter(),
            },
        };
        Document? document;
        try
        {
            document = await JsonSerializer.DeserializeAsync<Document>(body, options, cancellationToken);
        }
        catch (StopReading)
        {
            // Another format version, too many records or errors: what was collected is the answer; the rest of the
            // body is not read.
            return ApiError.Validation(reader.Errors.ToDictionary());
        }

        var errors = reader.Errors;
        if (document is null)
        {
            errors.Add("", "must be a JSON object");
            return ApiError.Validation(errors.ToDictionary());
        }
        if (document.Format != Format) errors.Add("format", $"must be \"{Format}\"");
        if (!reader.FormatVersionSeen) errors.Add("formatVersion", "is required");
        if (!reader.BookSeen) errors.Add("book", "is required");
        if (errors.Any) return ApiError.Validation(errors.ToDictionary());

        var changes = new SyncChanges(reader.Wallets, reader.Bills, reader.Transfers, reader.Incomes);
        return new ImportedBook(reader.Name, reader.Remark, changes, reader.Attributions.Select((_, list) => (IReadOnlyList<Attribution>)list));
    }

    // The top level of an export. Members and history are skipped an element at a time (never buffered whole), and
    // exportedAt is not read: the new book has its own.
    private sealed class Document
    {
        public string? Format { get; set; }
        public VersionSlot? FormatVersion { get; set; }
        public List<Skipped?>? Members { get; set; }
        public List<Skipped?>? History { get; set; }
        public BookSlot? Book { get; set; }
        public List<RecordSlot<Wallet>?>? Wallets { get; set; }
        public List<RecordSlot<Bill>?>? Bills { get; set; }
        public List<RecordSlot<Transfer>?>? Transfers { get; set; }
        public List<RecordSlot<Income>?>? Incomes { get; set; }
    }

    // Placeholders the converters return: the values live in the Reader.
    private sealed class BookSlot;

    private sealed class VersionSlot;

    private sealed class Skipped;

    // The type parameter only selects the converter of the collection.
    private sealed class RecordSlot<T>;

    private sealed class StopReading : Exception;

    private sealed class Reader(int maxRecords)
    {
        private readonly ByCollection<Dictionary<long, int>> firstIndexOfId = ByCollection<Dictionary<long, int>>.Of(_ => []);
        private int total;

        public ValidationErrors Errors { get; } = new();
        public bool BookSeen { get; private set; }
        public bool FormatVersionSeen { get; private set; }
        public string Name { get; private set; } = "";
        public string? Remark { get; private set; }
        public List<WalletInput> Wallets { get; } = [];
        public List<BillInput> Bills { get; } = [];
        public List<TransferInput> Transfers { get; } = [];
        public List<IncomeInput> Incomes { get; } = [];
        public ByCollection<List<Attribution>> Attributions { get; } = ByCollection<List<Attribution>>.Of(_ => []);

        private readonly int[] indexes = new int[Collections.All.Length];

        public void ReadBook(JsonElement book)
        {
            BookSeen = true;
            if (book.ValueKind != JsonValueKind.Object)
            {
                Errors.Add("book", "must be an object");
                return;
            }
            DuplicateKeys.Find(book, "book", Errors);
            var fields = new JsonFields(book, "book", Errors);
            Name = SyncParser.Name(fields, "name");
            Remark = fields.Text("remark", 0, SyncParser.MaxRemarkLength, Optional);
        }

        // Another version may mean anything, so it is the only error then, and nothing after it is read (our exports
        // write it second, so a file of a later shape is refused before its shape matters).
        public void ReadFormatVersion(JsonElement value)
        {
            FormatVersionSeen = true;
            if (JsonFields.ReadInteger(value) == FormatVersion) return;
            Errors.Add("formatVersion", $"unknown format version {value.GetRawText()}: this server reads version {FormatVersion}");
            throw new StopReading();
        }

        public void ReadRecord(Collection collection, JsonElement element)
        {
            var index = indexes[(int)collection]++;
            if (++total > maxRecords)
            {
                Errors.Add(collection.JsonName(), $"too many records: a book holds at most {maxRecords}");
                throw new StopReading();
            }
            var path = $"{collection.JsonName()}[{index}]";
            if (element.ValueKind != JsonValueKind.Object)
            {
                Errors.Add(path, "must be an object");
                CheckErrorCount();
                return;
            }

            DuplicateKeys.Find(element, path, Errors);
            var fields = new JsonFields(element, path, Errors);
            // Ids of the file are positive, as the server hands them out; each names one record of its collection.
            var id = fields.Integer("id", 1, long.MaxValue, Required);
            if (id is { } value && !firstIndexOfId[collection].TryAdd(value, index))
            {
                fields.Error("id", $"duplicates the id of {collection.JsonName()}[{firstIndexOfId[collection][value]}]");
            }
            var attribution = new Attribution(Username(fields, "createdBy"), Username(fields, "lastEditedBy"));
            var recordId = id ?? 0;
            switch (collection)
            {
                case Collection.Wallets: Keep(id, Wallets, SyncParser.ReadWallet(fields, recordId, RecordStatus.New)); break;
                case Collection.Bills: Keep(id, Bills, SyncParser.ReadBill(fields, recordId, RecordStatus.New)); break;
                case Collection.Transfers: Keep(id, Transfers, SyncParser.ReadTransfer(fields, recordId, RecordStatus.New)); break;
                default: Keep(id, Incomes, SyncParser.ReadIncome(fields, recordId, RecordStatus.New)); break;
            }
            if (id is not null) Attributions[collection].Add(attribution);
            CheckErrorCount();
        }

        private static void Keep<T>(long? id, List<T> inputs, T input)
        {
            if (id is not null) inputs.Add(input);
        }

        private static string? Username(JsonFields fields, string name) => fields.Text(name, 1, MaxUsernameLength, Optional);

        private void CheckErrorCount()
        {
            if (Errors.Count < MaxErrors) return;
            Errors.Add("", $"more than {MaxErrors} errors; the rest of the file was not checked");
            throw new StopReading();
        }
    }

    // One value at a time (a record, the book, the format version): in async mode the serializer buffers exactly
    // this value before calling Read, and the reader checks it as an element; nothing is kept in the document.
    private sealed class ElementConverter<TSlot>(Action<JsonElement> read) : JsonConverter<TSlot> where TSlot : class
    {
        public override bool HandleNull => true;

        public override TSlot? Read(ref Utf8JsonReader json, Type typeToConvert, JsonSerializerOptions options)
        {
            using var element = JsonDocument.ParseValue(ref json);
            read(element.RootElement);
            return null;
        }

        public override void Write(Utf8JsonWriter writer, TSlot value, JsonSerializerOptions options) =>
            throw new NotSupportedException();
    }

    private sealed class SkippedConverter : JsonConverter<Skipped>
    {
        public override bool HandleNull => true;

        public override Skipped? Read(ref Utf8JsonReader json, Type typeToConvert, JsonSerializerOptions options)
        {
            json.Skip();
            return null;
        }

        public override void Write(Utf8JsonWriter writer, Skipped value, JsonSerializerOptions options) =>
            throw new NotSupportedException();
    }
}
