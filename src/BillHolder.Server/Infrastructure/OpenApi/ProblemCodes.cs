namespace BillHolder.Server.Infrastructure.OpenApi;

// Endpoint metadata: a problem status a route can answer and the codes that answer carries. The OpenAPI document
// lists them per response (ApiDocs); the answers themselves come from ApiError, so this is the route table's
// statement of what a client must handle.
internal sealed record ProblemCodes(int Status, IReadOnlyList<string> Codes);

internal static class ProblemCodesExtensions
{
    public static TBuilder Problems<TBuilder>(this TBuilder builder, int status, params string[] codes) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ProblemCodes(status, codes));
}
