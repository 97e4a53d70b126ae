using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace BillHolder.Server.Infrastructure;

internal sealed class InstanceOptions
{
    public const string SectionName = "Instance";

    // Names this process among the instances sharing one database and Redis: the origin of its notices and
    // (behind a proxy) the X-BillHolder-Instance header. Unset: hostname + "-" + 6 random hex characters, so two
    // processes on one machine (or a restarted one) never share a name. Header-safe characters only.
    [StringLength(64, MinimumLength = 1)]
    [RegularExpression("^[A-Za-z0-9._-]+$", ErrorMessage = "Instance:Id may hold only letters, digits, '.', '_' and '-'.")]
    public string? Id { get; set; }
}

// This process's name, fixed for its lifetime.
internal sealed class InstanceIdentity(IOptions<InstanceOptions> options)
{
    public string Id { get; } = options.Value.Id ?? Generate();

    private static string Generate()
    {
        var host = new string([.. Environment.MachineName.Where(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-').Take(48)]);
        return $"{(host.Length == 0 ? "instance" : host)}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}";
    }

    public override string ToString() => Id;
}

internal static class InstanceIdentityExtensions
{
    public static IHostApplicationBuilder AddInstanceIdentity(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<InstanceOptions>()
            .BindConfiguration(InstanceOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<InstanceIdentity>();
        return builder;
    }
}
