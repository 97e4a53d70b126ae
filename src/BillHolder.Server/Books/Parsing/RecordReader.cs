using System.Text.Json;
using BillHolder.Server.Books.Engine;
using static BillHolder.Server.Books.Parsing.Presence;

namespace BillHolder.Server.Books.Parsing;

// Reads the records of one collection array: id, status and duplicate checks common to all four kinds,
// then the kind's own fields for new and modified records.
internal sealed class RecordReader(bool onlyNew, ValidationErrors errors)
{
    private const string StatusMessage =
        "must be 0, 1, 2, 3 or one of \"synchronized\", \"modified\", \"deleted\", \"new\"";

    public IReadOnlyList<T> ReadAll<T>(IReadOnlyDictionary<Collection, JsonElement> arrays, Collection collection,
        Func<JsonFields, long, RecordStatus, T> readFields, Func<long, RecordStatus, long?, T> idOnly)
    {
        if (!arrays.TryGetValue(collection, out var array))
        {
            return [];
        }

        var name = collection.JsonName();
        var records = new List<T>(array.GetArrayLength());
        var firstIndexOfId = new Dictionary<long, int>();
        var index = 0;
        foreach (var element in array.EnumerateArray())
        {
            var path = $"{name}[{index}]";
            if (element.ValueKind != JsonValueKind.Object)
            {
                errors.Add(path, "must be an object");
                index++;
                continue;
            }

            var fields = new JsonFields(element, path, errors);
            var id = fields.Integer("id", long.MinValue, long.MaxValue, Required);
            var status = ReadStatus(fields);
            if (id is { } value && !firstIndexOfId.TryAdd(value, index))
            {
                fields.Error("id", $"duplicates the id of {name}[{firstIndexOfId[value]}]");
            }

            if (onlyNew && status is not null and not RecordStatus.New)
            {
                fields.Error("status", "must be \"new\" (3) when creating a book");
            }

            // Field errors are still collected when the id is bad, so one round trip shows them all.
            T? record = status switch
            {
                RecordStatus.New or RecordStatus.Modified => readFields(fields, id ?? 0, status.Value),
                // A deleted record's version is its base: was it modified elsewhere since (rule 12)?
                { } other => idOnly(id ?? 0, other, other == RecordStatus.Deleted ? fields.Integer("version", 0, long.MaxValue, Optional) : null),
                null => default,
            };
            if (id is not null && record is not null)
            {
                records.Add(record);
            }

            index++;
        }

        return records;
    }

    private static RecordStatus? ReadStatus(JsonFields fields)
    {
        if (fields.Raw("status", Required) is not { } raw)
        {
            return null;
        }

        RecordStatus? status = raw.ValueKind switch
        {
            JsonValueKind.Number => JsonFields.ReadInteger(raw) is { } n and >= 0 and <= 3 ? (RecordStatus)n : null,
            JsonValueKind.String => JsonFields.ReadText(raw) switch
            {
                "synchronized" => RecordStatus.Synchronized,
                "modified" => RecordStatus.Modified,
                "deleted" => RecordStatus.Deleted,
                "new" => RecordStatus.New,
                _ => null,
            },
            _ => null,
        };
        if (status is null)
        {
            fields.Error("status", StatusMessage);
        }

        return status;
    }
}
