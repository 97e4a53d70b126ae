namespace BillHolder.Server.Infrastructure.Http;

// Query parameters arrive as strings and are checked here, so a bad value is a 422 naming the parameter
// rather than the framework's binding error.
internal static class QueryParameters
{
    public static long? Integer(string? raw, string name, long min, long max, Dictionary<string, string[]> errors)
    {
        if (raw is null) return null;
        if (long.TryParse(raw, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var value)
            && value >= min && value <= max)
        {
            return value;
        }
        errors[name] = [max == long.MaxValue ? $"must be an integer >= {min}" : $"must be an integer between {min} and {max}"];
        return null;
    }
}
