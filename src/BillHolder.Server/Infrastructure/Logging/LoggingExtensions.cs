using System.Diagnostics;
using Serilog;
using Serilog.Events;

namespace BillHolder.Server.Infrastructure.Logging;

internal static class LoggingExtensions
{
    // No static bootstrap logger: each host (and each parallel test host) owns its logger.
    public static IHostApplicationBuilder AddLogging(this IHostApplicationBuilder builder)
    {
        var logger = new LoggerConfiguration()
            .MinimumLevel.Information()
            .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
            .ReadFrom.Configuration(builder.Configuration)
            .Enrich.FromLogContext()
            .WriteTo.Console(outputTemplate: "[{Timestamp:HH:mm:ss.fff} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}")
            .CreateLogger();
        builder.Logging.ClearProviders();
        builder.Logging.AddSerilog(logger, dispose: true);
        // ASP.NET Core's own "Request starting" lines carry the full URL, query string included, and browsers
        // put hub access tokens there: those lines stay off whatever the configured levels say.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
        return builder;
    }

    // One line per request. The path is logged without its query string: browsers put access tokens there.
    public static IApplicationBuilder UseRequestLogging(this IApplicationBuilder app)
    {
        var logger = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger("BillHolder.Requests");
        return app.Use(async (http, next) =>
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                await next(http);
            }
            finally
            {
                var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                var status = http.Response.StatusCode;
                // 503 means "the database is away", already logged where it is noticed; it is not our bug.
                var level = status switch { 503 => LogLevel.Warning, >= 500 => LogLevel.Error, _ => LogLevel.Information };
                logger.Log(level,
                    "HTTP {Method} {Path} responded {StatusCode} in {ElapsedMs:0.0} ms",
                    http.Request.Method, http.Request.Path.Value, status, elapsed);
            }
        });
    }
}
