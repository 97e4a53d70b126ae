using System.ComponentModel.DataAnnotations;
using System.Net;
using BillHolder.Server.Infrastructure.Errors;
using BillHolder.Server.Infrastructure.Http;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace BillHolder.Server.Infrastructure.Metrics;

internal sealed class MetricsOptions : IValidatableObject
{
    public const string SectionName = "Metrics";

    // Networks besides loopback whose clients may read /metrics: CIDR blocks separated by commas or spaces
    // ("10.0.0.0/8, fd00::/8"). Judged on the connection's remote address, after forwarded headers are applied.
    [StringLength(4096)]
    public string? AllowedNetworks { get; set; }

    public IReadOnlyList<IPNetwork> Networks() =>
        [.. NetworkLists.Split(AllowedNetworks).Select(IPNetwork.Parse)];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var entry in NetworkLists.Split(AllowedNetworks))
        {
            if (!IPNetwork.TryParse(entry, out _))
            {
                yield return new ValidationResult(
                    $"Metrics:AllowedNetworks (env Metrics__AllowedNetworks): '{entry}' is not a CIDR block such as 10.0.0.0/8 or fd00::/8.",
                    [nameof(AllowedNetworks)]);
            }
        }
    }
}

// OpenTelemetry metrics: BillHolder's own meter and ASP.NET Core's (request durations by route), scraped by
// Prometheus at /metrics. The figures describe the service to its operators, so only loopback clients and the
// networks in Metrics__AllowedNetworks may read them; anyone else gets 403 forbidden.
internal static class MetricsModule
{
    public const string Path = "/metrics";

    public static IHostApplicationBuilder AddMetrics(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<MetricsOptions>().BindConfiguration(MetricsOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<BillHolderMetrics>();
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(BillHolderMetrics.MeterName)
            .AddAspNetCoreInstrumentation()
            // Every scrape sees the figures as they are now (the exporter would otherwise answer from a 300 ms cache).
            .AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0));
        return builder;
    }

    public static IEndpointRouteBuilder MapMetrics(this IEndpointRouteBuilder app)
    {
        var networks = app.ServiceProvider.GetRequiredService<IOptions<MetricsOptions>>().Value.Networks();
        app.MapPrometheusScrapingEndpoint(Path, meterProvider: null, configureBranchedPipeline: branch => branch.Use(async (http, next) =>
        {
            if (Allowed(http.Connection.RemoteIpAddress, networks))
            {
                await next(http);
                return;
            }
            await ApiError.Forbidden("Metrics are served to loopback clients and the networks in Metrics__AllowedNetworks only.")
                .ToProblem().ExecuteAsync(http);
        }), optionsName: null);
        return app;
    }

    internal static bool Allowed(IPAddress? remote, IReadOnlyList<IPNetwork> networks)
    {
        if (remote is null) return false;
        if (remote.IsIPv4MappedToIPv6) remote = remote.MapToIPv4();
        return IPAddress.IsLoopback(remote) || networks.Any(network => network.Contains(remote));
    }
}
