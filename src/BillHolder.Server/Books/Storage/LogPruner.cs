using BillHolder.Server.Infrastructure.Database;
using Microsoft.Extensions.Options;

namespace BillHolder.Server.Books.Storage;

// Forgets sync receipts after their retention, and the change log after its own (if any), hourly.
internal sealed class LogPruner(
    ReceiptStore receipts, ChangeLogStore changes, DatabaseState database, IOptions<SyncOptions> options, TimeProvider time,
    ILogger<LogPruner> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await RunAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping, also when the host failed to start: not a failure of this service.
        }
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        while (!database.SchemaReady) await Task.Delay(TimeSpan.FromSeconds(1), time, stoppingToken);
        using var timer = new PeriodicTimer(TimeSpan.FromHours(1), time);
        do
        {
            try
            {
                var now = time.GetUtcNow();
                var receiptCount = await receipts.PruneAsync(now.AddDays(-options.Value.ReceiptRetentionDays).ToUnixTimeMilliseconds(), stoppingToken);
                var changeCount = options.Value.ChangeLogRetentionDays > 0
                    ? await changes.PruneAsync(now.AddDays(-options.Value.ChangeLogRetentionDays).ToUnixTimeMilliseconds(), stoppingToken)
                    : 0;
                if (receiptCount + changeCount > 0)
                {
                    logger.LogInformation("Pruned {Receipts} sync receipt(s) and {Changes} change log row(s)", receiptCount, changeCount);
                }
            }
            catch (Exception ex) when (ex is System.Data.Common.DbException || DbConnectionFactory.IsOutage(ex))
            {
                // An outage waits for the next hour; any other database error is a bug, but not worth stopping the server.
                if (DbConnectionFactory.IsOutage(ex)) logger.LogWarning("Pruning the sync log failed, will retry: {Error}", ex.Message);
                else logger.LogError(ex, "Pruning the sync log failed, will retry");
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
