using System.Text.Json;
using BillHolder.Server.Sync;
using static BillHolder.Server.Sync.Presence;

namespace BillHolder.Server.Books;

// PATCH /api/books/{id} bodies: { name?, remark? } with the same rules as the book part of a sync.
internal static class BookMetaParser
{
    public static (BookMetaInput? Meta, IReadOnlyDictionary<string, string[]> Errors) Parse(JsonElement body)
    {
        var errors = new ValidationErrors();
        if (body.ValueKind != JsonValueKind.Object)
        {
            errors.Add("", "must be a JSON object");
            return (null, errors.ToDictionary());
        }
        var fields = new JsonFields(body, "", errors);
        var name = fields.Has("name") ? SyncRequestParser.Name(fields, "name") : null;
        var remark = fields.Text("remark", 0, SyncRequestParser.MaxRemarkLength, Optional);
        return errors.Any ? (null, errors.ToDictionary()) : (new BookMetaInput(name, remark, RemarkSet: fields.Has("remark")), errors.ToDictionary());
    }
}
