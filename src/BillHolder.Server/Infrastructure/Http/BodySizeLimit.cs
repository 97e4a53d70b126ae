using BillHolder.Server.Infrastructure.Errors;
using Microsoft.AspNetCore.Http.Features;

namespace BillHolder.Server.Infrastructure.Http;

// Endpoint metadata: the largest request body an endpoint accepts, in bytes.
internal sealed record BodySizeLimit(long Bytes);

internal static class BodySizeLimitExtensions
{
    // Small by default: only endpoints that carry records opt into more.
    public const long DefaultBytes = 16 * 1024;

    public static TBuilder WithBodySizeLimit<TBuilder>(this TBuilder builder, long bytes) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new BodySizeLimit(bytes));

    public static IApplicationBuilder UseBodySizeLimits(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        var limit = http.GetEndpoint()?.Metadata.GetMetadata<BodySizeLimit>()?.Bytes ?? DefaultBytes;
        if (http.Request.ContentLength > limit)
        {
            await new ApiError(StatusCodes.Status413PayloadTooLarge, ErrorCodes.PayloadTooLarge,
                $"The request body is larger than this endpoint accepts ({limit} bytes).").ToProblem().ExecuteAsync(http);
            return;
        }
        // Chunked bodies have no length up front; the server stops reading them at the limit.
        var feature = http.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (feature is { IsReadOnly: false }) feature.MaxRequestBodySize = limit;
        await next(http);
    });
}
