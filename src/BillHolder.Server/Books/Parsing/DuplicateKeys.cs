using System.Text.Json;

namespace BillHolder.Server.Books.Parsing;

// A key sent twice in one object is ambiguous: the parser would read the last, a proxy or an audit log may read
// the first. Every object of the body is checked (ignored fields too), and each duplicate is reported at its
// path, e.g. "bills[0].amount".
internal static class DuplicateKeys
{
    public static void Find(JsonElement value, string path, ValidationErrors errors)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        Walk(value, path, errors, seen);
    }

    private static void Walk(JsonElement value, string path, ValidationErrors errors, HashSet<string> seen)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                seen.Clear();
                foreach (var property in value.EnumerateObject())
                {
                    if (!seen.Add(property.Name)) errors.Add(ValidationErrors.Join(path, property.Name), $"duplicate key '{property.Name}'");
                }
                foreach (var property in value.EnumerateObject())
                {
                    if (property.Value.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
                    {
                        Walk(property.Value, ValidationErrors.Join(path, property.Name), errors, seen);
                    }
                }
                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in value.EnumerateArray())
                {
                    if (item.ValueKind is JsonValueKind.Object or JsonValueKind.Array) Walk(item, $"{path}[{index}]", errors, seen);
                    index++;
                }
                break;
        }
    }
}
