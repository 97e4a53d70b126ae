using System.ComponentModel.DataAnnotations;

namespace BillHolder.Server.Infrastructure.Redis;

internal sealed class RedisOptions
{
    public const string SectionName = "Redis";

    // Every key and channel this server uses starts with it, so several deployments (or test runs) can share one
    // Redis without seeing each other. All instances of one deployment must use the same prefix.
    [StringLength(64, MinimumLength = 1)]
    [RegularExpression("^[A-Za-z0-9:._-]+$", ErrorMessage = "Redis:KeyPrefix may hold only letters, digits, ':', '.', '_' and '-'.")]
    public string KeyPrefix { get; set; } = "billholder:";

    // How long one Redis command may take before the caller falls back (limits go per instance, pushes wait for
    // the version poll). Redis answers in well under a millisecond; this only bounds a sick one.
    [Range(100, 60_000)]
    public int CommandTimeoutMilliseconds { get; set; } = 2_000;
}
