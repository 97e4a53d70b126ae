using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace BillHolder.Server.Infrastructure.Http;

// Headers every answer carries. Set when the answer starts, so error answers (whose headers the exception
// handler clears) carry them too.
internal static class ResponseHeaders
{
    public static IHostApplicationBuilder AddResponseHeaders(this IHostApplicationBuilder builder)
    {
        // "Server: Kestrel" tells an attacker which bugs to try and tells a client nothing.
        builder.Services.Configure<KestrelServerOptions>(kestrel => kestrel.AddServerHeader = false);
        return builder;
    }

    public static IApplicationBuilder UseResponseHeaders(this IApplicationBuilder app) => app.Use((http, next) =>
    {
        http.Response.OnStarting(() =>
        {
            var headers = http.Response.Headers;
            // A browser must never guess a content type (an error echoing user input as HTML).
            headers.XContentTypeOptions = "nosniff";
            // API answers hold books and tokens: no proxy or browser cache may keep them.
            if (http.Request.Path.StartsWithSegments("/api")) headers.CacheControl = "no-store";
            // The API reference at /docs has a policy of its own (OpenApi/ApiDocs), whatever the pages around it use.
            if (OpenApi.ApiDocs.ContentSecurityPolicy(http) is { } docsPolicy) headers.ContentSecurityPolicy = docsPolicy;
            return Task.CompletedTask;
        });
        return next(http);
    });
}
