namespace BillHolder.Server.Books;

// Ordered: a higher role may do everything a lower one may.
internal enum BookRole { Viewer = 0, Editor = 1, Owner = 2 }

internal static class BookRoles
{
    public static string ToWire(this BookRole role) => role switch
    {
        BookRole.Owner => "owner",
        BookRole.Editor => "editor",
        _ => "viewer",
    };

    public static BookRole? Parse(string? value) => value switch
    {
        "owner" => BookRole.Owner,
        "editor" => BookRole.Editor,
        "viewer" => BookRole.Viewer,
        _ => null,
    };
}
