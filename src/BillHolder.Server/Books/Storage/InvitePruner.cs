using BillHolder.Server.Infrastructure.Database;
using Microsoft.Extensions.Options;

namespace BillHolder.Server.Books.Storage;

// Deletes invites that expired more than Sync__ExpiredInviteRetentionDays ago, hourly: an expired invite can never
// be accepted again, and without this every invite ever made would stay in the database.
internal sealed class InvitePruner(InviteStore invites, DatabaseState database, IOptions<SyncOptions> options, TimeProvider time,
    ILogger<InvitePruner> logger) : HourlyDatabaseJob(database, time, logger)
{
    protected override string Name => "Deleting expired invites";

    protected override Task RunOnceAsync(CancellationToken cancellationToken) => PruneOnceAsync(cancellationToken);

    public async Task<int> PruneOnceAsync(CancellationToken cancellationToken)
    {
        var before = Time.GetUtcNow().AddDays(-options.Value.ExpiredInviteRetentionDays).ToUnixTimeMilliseconds();
        var count = await invites.PruneExpiredAsync(before, cancellationToken);
        if (count > 0) Logger.LogInformation("Deleted {Count} expired invite(s)", count);
        return count;
    }
}
