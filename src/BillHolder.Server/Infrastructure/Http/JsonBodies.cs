using System.Text.Json;
using System.Text.Json.Serialization;

namespace BillHolder.Server.Infrastructure.Http;

// How request bodies become values. A key sent twice is ambiguous (which one wins depends on the parser, and
// a proxy or audit log may read the other one), so it is refused: fixed-shape bodies (register, login,
// members) by the serializer, as 400 malformed_request; bodies taken as a JsonElement (sync, book creation and
// update) are parsed as they came and Books/Parsing refuses the duplicate with its JSON path (422).
internal static class JsonBodies
{
    public static IHostApplicationBuilder AddJsonBodies(this IHostApplicationBuilder builder)
    {
        builder.Services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.AllowDuplicateProperties = false;
            json.SerializerOptions.Converters.Add(new JsonElementAsSent());
        });
        return builder;
    }

    // With AllowDuplicateProperties off the serializer would refuse a JsonElement body itself, with no path the
    // client can use; this reads it as sent and leaves the verdict to the parser.
    private sealed class JsonElementAsSent : JsonConverter<JsonElement>
    {
        public override JsonElement Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            JsonElement.ParseValue(ref reader);

        public override void Write(Utf8JsonWriter writer, JsonElement value, JsonSerializerOptions options) => value.WriteTo(writer);
    }
}
