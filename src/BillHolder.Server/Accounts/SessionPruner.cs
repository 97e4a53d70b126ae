using BillHolder.Server.Infrastructure.Database;
using Microsoft.Extensions.Options;

namespace BillHolder.Server.Accounts;

// Deletes sessions that ended more than Auth__EndedSessionRetentionDays ago, hourly: without it every sign-in and
// every refresh would stay in the database forever.
internal sealed class SessionPruner(SessionStore sessions, DatabaseState database, IOptions<AuthOptions> options, TimeProvider time,
    ILogger<SessionPruner> logger) : HourlyDatabaseJob(database, time, logger)
{
    protected override string Name => "Deleting ended sessions";

    protected override Task RunOnceAsync(CancellationToken cancellationToken) => PruneOnceAsync(cancellationToken);

    public async Task<int> PruneOnceAsync(CancellationToken cancellationToken)
    {
        var before = Time.GetUtcNow().AddDays(-options.Value.EndedSessionRetentionDays).ToUnixTimeMilliseconds();
        var count = await sessions.PruneEndedAsync(before, cancellationToken);
        if (count > 0) Logger.LogInformation("Deleted {Count} ended session(s)", count);
        return count;
    }
}
