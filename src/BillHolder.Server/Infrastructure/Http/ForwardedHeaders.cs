using System.ComponentModel.DataAnnotations;
using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace BillHolder.Server.Infrastructure.Http;

internal sealed class HttpOptions : IValidatableObject
{
    public const string SectionName = "Http";

    // Addresses (10.0.0.5) or networks (10.0.0.0/24) of the reverse proxies whose X-Forwarded-For names the client.
    // Empty: nobody's is believed, and the peer of the connection is the client.
    public List<string> KnownProxies { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var entry in KnownProxies)
        {
            if (!NetworkLists.TryParseAddressOrNetwork(entry, out _))
            {
                yield return new ValidationResult(
                    $"Http:KnownProxies: '{entry}' is neither an IP address nor a network such as 10.0.0.0/24.",
                    [nameof(KnownProxies)]);
            }
        }
    }
}

// Behind a proxy every caller would come from the proxy's address: one address for the login and registration
// throttles and the anonymous rate limits (everyone locked out together), and a loopback-only endpoint would
// open to the world when the proxy runs on the same machine. So the proxy's X-Forwarded-For is believed, but
// only from a configured proxy, and only its last entry (the address the proxy itself saw: ours overwrites the
// header with $remote_addr, so nothing a client sends survives it).
internal static class ForwardedHeaders
{
    public static IHostApplicationBuilder AddForwardedHeaders(this IHostApplicationBuilder builder)
    {
        // One value or a list: Http__KnownProxies=10.0.0.5,10.0.1.0/24 as well as Http__KnownProxies__0=...
        builder.Services.AddOptions<HttpOptions>()
            .BindConfiguration(HttpOptions.SectionName)
            .Configure<IConfiguration>((options, configuration) =>
            {
                var single = configuration[$"{HttpOptions.SectionName}:{nameof(HttpOptions.KnownProxies)}"];
                if (single is not null)
                {
                    options.KnownProxies = [.. NetworkLists.Split(single)];
                }
            })
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<HttpOptions>>((forwarded, http) =>
        {
            forwarded.ForwardedHeaders = Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedFor
                | Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedProto;
            forwarded.ForwardLimit = 1;
            // The framework trusts loopback by default; a proxy on this machine must be named like any other.
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
#pragma warning disable ASPDEPR005 // the obsolete list still holds 127.0.0.0/8 and is still consulted
            forwarded.KnownNetworks.Clear();
#pragma warning restore ASPDEPR005
            foreach (var entry in http.Value.KnownProxies)
            {
                if (NetworkLists.TryParseAddressOrNetwork(entry, out var network)) forwarded.KnownIPNetworks.Add(network);
            }
        });
        return builder;
    }

    // The framework's middleware believes everyone when it knows no proxy at all: without one it must not run.
    public static IApplicationBuilder UseForwardedHeadersFromKnownProxies(this IApplicationBuilder app) =>
        app.ApplicationServices.GetRequiredService<IOptions<HttpOptions>>().Value.KnownProxies.Count == 0
            ? app
            : app.UseForwardedHeaders();
}
