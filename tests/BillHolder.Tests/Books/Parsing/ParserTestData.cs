using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using BillHolder.Server.Books.Engine;
using BillHolder.Server.Books.Parsing;
using BillHolder.Server.Infrastructure.Errors;

namespace BillHolder.Tests.Books.Parsing;

// Request bodies assembled from raw JSON fragments, so a table row can state "amount is 10.0" literally.
internal static class ParserTestData
{
    public const string Absent = "<absent>";

    private static readonly Dictionary<string, Dictionary<string, string>> ValidRecords = new()
    {
        ["wallets"] = new() { ["id"] = "-1", ["status"] = "3", ["name"] = "\"Cash\"", ["openingBalance"] = "0" },
        ["bills"] = new() { ["id"] = "-1", ["status"] = "3", ["walletId"] = "1", ["amount"] = "5", ["date"] = "0" },
        ["transfers"] = new()
        {
            ["id"] = "-1", ["status"] = "3", ["fromWalletId"] = "1", ["toWalletId"] = "2", ["amount"] = "5", ["date"] = "0",
        },
        ["incomes"] = new() { ["id"] = "-1", ["status"] = "3", ["walletId"] = "1", ["amount"] = "5", ["date"] = "0" },
    };

    // A valid record of the collection with one field replaced by raw JSON (or removed with Absent).
    public static string RecordWith(string collection, string field, string rawValue)
    {
        var fields = new Dictionary<string, string>(ValidRecords[collection]);
        if (rawValue == Absent)
        {
            fields.Remove(field);
        }
        else
        {
            fields[field] = rawValue;
        }

        return "{" + string.Join(",", fields.Select(f => $"\"{f.Key}\":{f.Value}")) + "}";
    }

    public static string ValidRecord(string collection) => RecordWith(collection, "id", "-1");

    public static string Body(string members) => "{\"syncId\":\"s1\"" + (members.Length > 0 ? "," + members : "") + "}";

    // The parser's answer as the tests read it: the value, or the errors of its 422.
    public sealed record Parsed<T>(T? Request, IReadOnlyDictionary<string, string[]> Errors) where T : class
    {
        [MemberNotNullWhen(true, nameof(Request))]
        public bool IsValid => Request is not null;

        public T? Book => Request;

        public static Parsed<T> From(Result<T> result) => new(result.Value, result.Error?.Errors ?? new Dictionary<string, string[]>());
    }

    public static Parsed<SyncRequest> Parse(string json, SyncParseOptions? options = null)
    {
        using var document = JsonDocument.Parse(json);
        return Parsed<SyncRequest>.From(SyncParser.Parse(document.RootElement.Clone(), options ?? new SyncParseOptions()));
    }

    public static Parsed<NewBookRequest> ParseNewBook(string json, int maxRecords = 5000)
    {
        using var document = JsonDocument.Parse(json);
        return Parsed<NewBookRequest>.From(SyncParser.ParseNewBook(document.RootElement.Clone(), maxRecords));
    }

    public static string[] Keys(IReadOnlyDictionary<string, string[]> errors) =>
        errors.Keys.Order(StringComparer.Ordinal).ToArray();

    public static string[] Split(string keys) =>
        keys.Split(';', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).ToArray();
}
