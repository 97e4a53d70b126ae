using Microsoft.AspNetCore.SignalR;
using Serilog;
using Serilog.Configuration;
using Serilog.Core;
using Serilog.Events;

namespace BillHolder.Server.Infrastructure.Logging;

internal static class LoggingExtensions
{
    public const string ConsoleTemplate = "[{Timestamp:HH:mm:ss.fff} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}";

    public const string RequestTemplate = "HTTP {RequestMethod} {RequestPath} responded {StatusCode} in {Elapsed:0.0} ms";

    // Serilog owns the pipeline, so Microsoft.Extensions.Logging filters (builder.Logging.AddFilter) have no
    // effect: every level and filter below is Serilog's. No static Log.Logger: each (test) host owns its logger.
    public static IHostApplicationBuilder AddLogging(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSerilog((services, logger) => logger
            .MinimumLevel.Information()
            .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
            // ASP.NET Core's own request lines repeat the full URL, query string included; ours (below) carry the path.
            .MinimumLevel.Override("Microsoft.AspNetCore.Hosting.Diagnostics", LogEventLevel.Warning)
            // It logs every failed readiness probe at Error; the probe's request line (503, Warning) says enough.
            .MinimumLevel.Override("Microsoft.Extensions.Diagnostics.HealthChecks", LogEventLevel.Fatal)
            .ReadFrom.Configuration(builder.Configuration)
            .Enrich.FromLogContext()
            // A HubException is the answer to a client mistake; HubCallLogging notes it at Information.
            .Filter.ByExcluding(e => e.Exception is HubException && IsFrom(e, "Microsoft.AspNetCore.SignalR"))
            // Masking wraps every sink we write to: the console, and in tests the capture that checks it.
            .WriteTo.Masked(sinks =>
            {
                sinks.Console(outputTemplate: ConsoleTemplate);
                foreach (var sink in services.GetServices<ILogEventSink>()) sinks.Sink(sink);
            }),
            preserveStaticLogger: true);
        builder.Services.Configure<HubOptions>(hub => hub.AddFilter<HubCallLogging>());
        builder.Services.AddSingleton<HubCallLogging>();
        return builder;
    }

    // One line per request, the path without its query string (browsers put hub access tokens there).
    public static IApplicationBuilder UseRequestLogging(this IApplicationBuilder app) =>
        app.UseSerilogRequestLogging(options =>
        {
            // The host's logger: the static Log.Logger stays silent (preserveStaticLogger).
            options.Logger = app.ApplicationServices.GetRequiredService<Serilog.ILogger>();
            options.MessageTemplate = RequestTemplate;
            options.IncludeQueryInRequestPath = false;
            // 503 means "the database is away", already logged where it is noticed; it is not our bug.
            options.GetLevel = (http, _, exception) => (exception, http.Response.StatusCode) switch
            {
                (_, 503) => LogEventLevel.Warning,
                (not null, _) or (_, >= 500) => LogEventLevel.Error,
                _ => LogEventLevel.Information,
            };
        });

    private static LoggerConfiguration Masked(this LoggerSinkConfiguration writeTo, Action<LoggerSinkConfiguration> sinks) =>
        writeTo.Sink(LoggerSinkConfiguration.Wrap(sink => new SecretMaskingSink(sink), sinks));

    private static bool IsFrom(LogEvent e, string prefix) =>
        e.Properties.TryGetValue(Constants.SourceContextPropertyName, out var value)
        && value is ScalarValue { Value: string source }
        && source.StartsWith(prefix, StringComparison.Ordinal);
}
