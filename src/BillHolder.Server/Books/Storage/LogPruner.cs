using BillHolder.Server.Infrastructure.Database;
using Microsoft.Extensions.Options;

namespace BillHolder.Server.Books.Storage;

// Forgets sync receipts after their retention, and the change log after its own (if any), hourly.
internal sealed class LogPruner(
    ReceiptStore receipts, ChangeLogStore changes, DatabaseState database, IOptions<SyncOptions> options, TimeProvider time,
    ILogger<LogPruner> logger) : HourlyDatabaseJob(database, time, logger)
{
    protected override string Name => "Pruning the sync log";

    protected override async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        var now = Time.GetUtcNow();
        var receiptCount = await receipts.PruneAsync(now.AddDays(-options.Value.ReceiptRetentionDays).ToUnixTimeMilliseconds(), cancellationToken);
        var changeCount = options.Value.ChangeLogRetentionDays > 0
            ? await changes.PruneAsync(now.AddDays(-options.Value.ChangeLogRetentionDays).ToUnixTimeMilliseconds(), cancellationToken)
            : 0;
        if (receiptCount + changeCount > 0)
        {
            Logger.LogInformation("Pruned {Receipts} sync receipt(s) and {Changes} change log row(s)", receiptCount, changeCount);
        }
    }
}
