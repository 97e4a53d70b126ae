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

    public const string InstanceHeader = "X-BillHolder-Instance";

    public static IApplicationBuilder UseResponseHeaders(this IApplicationBuilder app)
    {
        // Which of several instances answered (behind a proxy): for operators reading a trace, and for the tests
        // that prove clients are spread over the instances. WebSocket upgrades (101) carry it too.
        var instance = app.ApplicationServices.GetRequiredService<InstanceIdentity>().Id;
        return app.Use((http, next) =>
        {
            http.Response.OnStarting(() =>
            {
                var headers = http.Response.Headers;
                headers[InstanceHeader] = instance;
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
}
