using System.Text.Json;
using BillHolder.Server.Books.Engine;
using BillHolder.Server.Infrastructure.Errors;
using Microsoft.Extensions.Options;
using static BillHolder.Server.Books.Parsing.JsonFields;
using static BillHolder.Server.Books.Parsing.Presence;

namespace BillHolder.Server.Books.Parsing;

// IdempotencyKey is the header fallback for a body without syncId. OnlyNew demands status "new" on every
// record (book creation). MaxRecords bounds the records of all collections together.
internal sealed record SyncParseOptions(string? IdempotencyKey = null, bool RequireSyncId = true,
    bool OnlyNew = false, int MaxRecords = SyncParseOptions.DefaultMaxRecords)
{
    public const int DefaultMaxRecords = 5000;
}

internal sealed record NewBookRequest(string Name, string? Remark, SyncChanges Changes);

// Turns a sync, book creation or book update body into validated inputs, or into a 422 listing every error it
// contains keyed by JSON path. Unknown fields are ignored so that clients may send their stored records back
// as is. The instance methods apply this server's limits; the static ones take them as arguments.
internal sealed class SyncParser(IOptions<SyncOptions> options)
{
    public const int MaxSyncIdLength = 64;
    public const int MaxNameLength = 16;
    public const int MaxColorLength = 16;
    public const int MaxCategoryLength = 32;
    public const int MaxRemarkLength = 255;

    public Result<SyncRequest> ParseSync(JsonElement body, string? idempotencyKey) =>
        Parse(body, new SyncParseOptions(idempotencyKey, MaxRecords: options.Value.MaxRecordsPerSync));

    public Result<NewBookRequest> ParseNewBook(JsonElement body) => ParseNewBook(body, options.Value.MaxRecordsPerSync);

    public static Result<SyncRequest> Parse(JsonElement body, SyncParseOptions options) => Read(body, (fields, errors) =>
    {
        var syncId = ReadSyncId(fields, options);
        var baseVersion = fields.Integer("baseVersion", 0, long.MaxValue, Optional);
        var book = ReadBookMeta(body, errors);
        var changes = ReadChanges(body, options.OnlyNew, options.MaxRecords, errors);
        return new SyncRequest(syncId ?? "", baseVersion, book, changes);
    });

    // Book creation: { name, remark?, wallets?, bills?, transfers?, incomes? }, every record status "new".
    public static Result<NewBookRequest> ParseNewBook(JsonElement body, int maxRecords) => Read(body, (fields, errors) =>
    {
        var name = Name(fields, "name");
        var remark = fields.Text("remark", 0, MaxRemarkLength, Optional);
        var changes = ReadChanges(body, onlyNew: true, maxRecords, errors);
        return new NewBookRequest(name, remark, changes);
    });

    // PATCH /api/books/{id}: { name?, remark? } with the same rules as the book part of a sync.
    public static Result<BookMetaInput> ParseBookMeta(JsonElement body) => Read(body, (fields, _) => ReadBookMeta(fields));

    private static Result<T> Read<T>(JsonElement body, Func<JsonFields, ValidationErrors, T> read)
    {
        var errors = new ValidationErrors();
        if (body.ValueKind != JsonValueKind.Object)
        {
            errors.Add("", "must be a JSON object");
            return ApiError.Validation(errors.ToDictionary());
        }

        DuplicateKeys.Find(body, "", errors);
        var value = read(new JsonFields(body, "", errors), errors);
        return errors.Any ? ApiError.Validation(errors.ToDictionary()) : value;
    }

    private static string? ReadSyncId(JsonFields fields, SyncParseOptions options)
    {
        var key = options.IdempotencyKey;
        if (fields.HasValue("syncId"))
        {
            var syncId = fields.Text("syncId", 1, MaxSyncIdLength, Required);
            if (syncId is not null && key is not null && key != syncId)
            {
                fields.Error("syncId", "does not match the Idempotency-Key header");
            }

            return syncId;
        }

        if (key is not null)
        {
            if (key.Length is 0 or > MaxSyncIdLength)
            {
                fields.Error("syncId", $"Idempotency-Key header must be 1 to {MaxSyncIdLength} characters");
            }

            return key;
        }

        if (options.RequireSyncId)
        {
            fields.Error("syncId", "is required");
        }

        return null;
    }

    private static BookMetaInput? ReadBookMeta(JsonElement body, ValidationErrors errors)
    {
        if (!body.TryGetProperty("book", out var book) || book.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (book.ValueKind != JsonValueKind.Object)
        {
            errors.Add("book", "must be an object");
            return null;
        }

        return ReadBookMeta(new JsonFields(book, "book", errors));
    }

    private static BookMetaInput ReadBookMeta(JsonFields fields)
    {
        // A book always has a name: an explicit null cannot clear it, while absent leaves it alone.
        var name = fields.Has("name") ? Name(fields, "name") : null;
        var remark = fields.Text("remark", 0, MaxRemarkLength, Optional);
        return new BookMetaInput(name, remark, RemarkSet: fields.Has("remark"));
    }

    private static SyncChanges ReadChanges(JsonElement body, bool onlyNew, int maxRecords, ValidationErrors errors)
    {
        var arrays = new Dictionary<Collection, JsonElement>();
        var total = 0;
        foreach (var collection in Collections.All)
        {
            var name = collection.JsonName();
            if (!body.TryGetProperty(name, out var array) || array.ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            if (array.ValueKind != JsonValueKind.Array)
            {
                errors.Add(name, "must be an array");
                continue;
            }

            // Counted before any record is read, so an oversized body costs no per-record work.
            total += array.GetArrayLength();
            if (total > maxRecords)
            {
                errors.Add(name, $"too many records: at most {maxRecords} in total per request");
                return SyncChanges.None;
            }

            arrays[collection] = array;
        }

        var reader = new RecordReader(onlyNew, errors);
        return new SyncChanges(
            reader.ReadAll(arrays, Collection.Wallets, ReadWallet, WalletInput.IdOnly),
            reader.ReadAll(arrays, Collection.Bills, ReadBill, BillInput.IdOnly),
            reader.ReadAll(arrays, Collection.Transfers, ReadTransfer, TransferInput.IdOnly),
            reader.ReadAll(arrays, Collection.Incomes, ReadIncome, IncomeInput.IdOnly));
    }

    // Only records that are new or modified carry fields worth validating; the others are id and status.
    internal static WalletInput ReadWallet(JsonFields f, long id, RecordStatus status) => new(id, status,
        Name(f, "name"),
        f.Text("color", 0, MaxColorLength, Optional),
        // Negative opening balances are allowed: an overdrawn account or a credit card is real. A new wallet
        // may leave it out (0); a modify replaces every field, so there it is required: a partial modify must
        // not silently reset the balance to 0.
        f.Integer("openingBalance", -MaxAmount, MaxAmount, status == RecordStatus.New ? Optional : Required) ?? 0,
        f.Text("remark", 0, MaxRemarkLength, Optional),
        Timestamp(f, "createdAt"), Timestamp(f, "lastEditedAt"), BaseOf(f, status));

    internal static BillInput ReadBill(JsonFields f, long id, RecordStatus status) => new(id, status,
        WalletRef(f, "walletId"), Amount(f), Date(f),
        f.Text("category", 0, MaxCategoryLength, Optional), f.Text("remark", 0, MaxRemarkLength, Optional),
        Timestamp(f, "createdAt"), Timestamp(f, "lastEditedAt"), BaseOf(f, status));

    internal static TransferInput ReadTransfer(JsonFields f, long id, RecordStatus status)
    {
        var from = f.Integer("fromWalletId", long.MinValue, long.MaxValue, Required);
        var to = f.Integer("toWalletId", long.MinValue, long.MaxValue, Required);
        if (from is not null && from == to)
        {
            f.Error("toWalletId", "must differ from fromWalletId");
        }

        return new TransferInput(id, status, from ?? 0, to ?? 0, Amount(f), Date(f), f.Text("remark", 0, MaxRemarkLength, Optional),
            Timestamp(f, "createdAt"), Timestamp(f, "lastEditedAt"), BaseOf(f, status));
    }

    internal static IncomeInput ReadIncome(JsonFields f, long id, RecordStatus status) => new(id, status,
        WalletRef(f, "walletId"), Amount(f), Date(f),
        f.Text("category", 0, MaxCategoryLength, Optional), f.Text("remark", 0, MaxRemarkLength, Optional),
        Timestamp(f, "createdAt"), Timestamp(f, "lastEditedAt"), BaseOf(f, status));

    // Names (of books and wallets) must show something: 1-16 characters, not all white space.
    internal static string Name(JsonFields f, string name)
    {
        var text = f.Text(name, 1, MaxNameLength, Required);
        if (text is not null && string.IsNullOrWhiteSpace(text))
        {
            f.Error(name, "must not be blank");
            return "";
        }
        return text ?? "";
    }

    // Wallet references may be negative: they can name a wallet created in the same request.
    private static long WalletRef(JsonFields f, string name) => f.Integer(name, long.MinValue, long.MaxValue, Required) ?? 0;

    private static long Amount(JsonFields f) => f.Integer("amount", 0, MaxAmount, Required) ?? 0;

    private static long Date(JsonFields f) => f.Integer("date", 0, long.MaxValue, Required) ?? 0;

    private static long? Timestamp(JsonFields f, string name) => f.Integer(name, 0, long.MaxValue, Optional);

    // The record version a modified record was edited from, as the server sent it (rule 12); new records have none.
    private static long? BaseOf(JsonFields f, RecordStatus status) =>
        status == RecordStatus.Modified ? f.Integer("version", 0, long.MaxValue, Optional) : null;
}
