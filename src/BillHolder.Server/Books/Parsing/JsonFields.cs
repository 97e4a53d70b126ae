using System.Text.Json;

namespace BillHolder.Server.Books.Parsing;

// Validation errors keyed by JSON path ("bills[2].amount"), every one collected rather than the first.
internal sealed class ValidationErrors
{
    private readonly Dictionary<string, List<string>> errors = new(StringComparer.Ordinal);

    public bool Any => errors.Count > 0;

    public int Count => errors.Count;

    public void Add(string path, string message)
    {
        if (!errors.TryGetValue(path, out var messages))
        {
            errors[path] = messages = [];
        }

        messages.Add(message);
    }

    public IReadOnlyDictionary<string, string[]> ToDictionary() =>
        errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);

    public static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";
}

internal enum Presence { Required, Optional }

// Typed reads of one JSON object's fields; each failed read records an error at the field's path and
// returns null, so callers can keep reading and report everything at once. Optional fields accept null.
internal readonly struct JsonFields(JsonElement obj, string path, ValidationErrors errors)
{
    public const long MaxAmount = 1_000_000_000_000;

    public string PathOf(string name) => ValidationErrors.Join(path, name);

    public void Error(string name, string message) => errors.Add(PathOf(name), message);

    public bool Has(string name) => obj.TryGetProperty(name, out _);

    // Present and not null.
    public bool HasValue(string name) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null;

    public long? Integer(string name, long min, long max, Presence presence)
    {
        if (!Read(name, presence, out var value))
        {
            return null;
        }

        if (ReadInteger(value) is { } number && number >= min && number <= max)
        {
            return number;
        }

        Error(name, min == long.MinValue && max == long.MaxValue
            ? "must be a 64-bit integer"
            : $"must be an integer between {min} and {max}");
        return null;
    }

    // Lengths count Unicode code points, as MySQL's VARCHAR(n) does for utf8mb4, so whatever passes
    // here fits the column; string.Length would reject 16 emoji, text elements would overflow it.
    public string? Text(string name, int minLength, int maxLength, Presence presence)
    {
        if (!Read(name, presence, out var value))
        {
            return null;
        }

        if (ReadText(value) is { } text)
        {
            var length = text.EnumerateRunes().Count();
            if (length >= minLength && length <= maxLength)
            {
                return text;
            }
        }

        Error(name, minLength > 0
            ? $"must be a string of {minLength} to {maxLength} characters"
            : $"must be a string of at most {maxLength} characters");
        return null;
    }

    public JsonElement? Raw(string name, Presence presence) =>
        Read(name, presence, out var value) ? value : null;

    // JSON integers only: "10.0", "1e3" and "10" are numbers to a JSON parser but not integers here.
    public static long? ReadInteger(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Number)
        {
            return null;
        }

        var raw = value.GetRawText().AsSpan();
        var digits = raw.StartsWith("-") ? raw[1..] : raw;
        if (digits.IsEmpty || digits.ContainsAnyExceptInRange('0', '9'))
        {
            return null;
        }

        return value.TryGetInt64(out var number) ? number : null;
    }

    public static string? ReadText(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        // Escaped lone surrogates ("\ud800") parse as JSON but are not text.
        try
        {
            return value.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    // False when absent or null (recording "is required" if it had to be there).
    private bool Read(string name, Presence presence, out JsonElement value)
    {
        if (obj.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null)
        {
            return true;
        }

        if (presence == Presence.Required)
        {
            Error(name, "is required");
        }

        return false;
    }
}
