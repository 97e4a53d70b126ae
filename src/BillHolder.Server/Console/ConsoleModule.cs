using System.Text.RegularExpressions;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace BillHolder.Server.Console;

// The web console: static files (plain ES modules and the vendored SignalR browser client) served at "/".
// No client-side routing fallback: a path that is no file falls through to the 404 problem, so unknown routes
// under /api, /hubs and /health stay problems. The console's own headers (its CSP) go on its files only, so
// other pages (/docs) set their own policy.
internal static partial class ConsoleModule
{
    public static IHostApplicationBuilder AddConsole(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ConsoleOptions>()
            .BindConfiguration(ConsoleOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        return builder;
    }

    // Middleware rather than endpoints: the static-file middleware serves only requests no endpoint matched.
    public static WebApplication MapConsole(this WebApplication app)
    {
        if (!app.Services.GetRequiredService<IOptions<ConsoleOptions>>().Value.Enabled) return app;
        var root = Path.Combine(app.Environment.ContentRootPath, "Console", "wwwroot");
        if (!Directory.Exists(root)) throw new InvalidOperationException($"Console__Enabled is true but the console's files are missing ({root}).");
        var files = new PhysicalFileProvider(root);
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions { FileProvider = files, OnPrepareResponse = context => AddHeaders(context.Context) });
        return app;
    }

    private static void AddHeaders(HttpContext http)
    {
        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy = PolicyFor(http.Request.Host);
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        headers.XFrameOptions = "DENY";
        // Revalidated on every load (ETag), so a new release is never mixed with a cached older module.
        headers.CacheControl = "no-cache";
        headers.Remove(HeaderNames.Expires);
    }

    // Nothing inline, nothing from elsewhere. 'self' covers ws(s) to the page's own host in current browsers; the
    // explicit entries are for older ones. The host is Kestrel-validated, and checked again before it goes into the policy.
    internal static string PolicyFor(HostString host)
    {
        var sockets = host.HasValue && SafeHost().IsMatch(host.Value) ? $" ws://{host.Value} wss://{host.Value}" : "";
        return "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
               $"connect-src 'self'{sockets}; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
    }

    [GeneratedRegex(@"^[A-Za-z0-9.\-\[\]:]{1,255}$")]
    private static partial Regex SafeHost();
}

internal sealed class ConsoleOptions
{
    public const string SectionName = "Console";

    // Serve the web console at "/" (off: the server answers the API, hub and health only).
    public bool Enabled { get; set; } = true;
}
