using System.Text.RegularExpressions;

namespace BillHolder.Server.Infrastructure.Http;

// IANA time zones by id ("Europe/Berlin", "UTC"), from the system's tz database. Ids are checked for their shape first,
// so a query parameter never reaches the file system as a path.
internal static partial class TimeZones
{
    public static TimeZoneInfo? Find(string id)
    {
        if (id.Length > 64 || !IanaId().IsMatch(id) || id.Contains("..", StringComparison.Ordinal)) return null;
        try
        {
            var zone = TimeZoneInfo.FindSystemTimeZoneById(id);
            // Windows names ("W. Europe Standard Time") are converted by .NET; the API speaks IANA only.
            return zone.HasIanaId ? zone : null;
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return null;
        }
    }

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+){0,2}$", RegexOptions.CultureInvariant)]
    private static partial Regex IanaId();
}
