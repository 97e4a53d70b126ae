using BillHolder.Server.Infrastructure.Database;
using Microsoft.Extensions.Options;

namespace BillHolder.Server.Accounts;

// Deletes sessions that ended more than Auth__EndedSessionRetentionDays ago, hourly: without it every sign-in and
// every refresh would stay in the database forever.
internal sealed class SessionPruner(SessionStore sessions, DatabaseState database, IOptions<AuthOptions> options, TimeProvider time,
    ILogger<SessionPruner> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!database.SchemaReady) await Task.Delay(TimeSpan.FromSeconds(1), time, stoppingToken);
            using var timer = new PeriodicTimer(TimeSpan.FromHours(1), time);
            do
            {
                await PruneOnceAsync(stoppingToken);
            } while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping, also when the host failed to start: not a failure of this service.
        }
    }

    public async Task<int> PruneOnceAsync(CancellationToken cancellationToken)
    {
        try
        {
            var before = time.GetUtcNow().AddDays(-options.Value.EndedSessionRetentionDays).ToUnixTimeMilliseconds();
            var count = await sessions.PruneEndedAsync(before, cancellationToken);
            if (count > 0) logger.LogInformation("Deleted {Count} ended session(s)", count);
            return count;
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException || DbConnectionFactory.IsOutage(ex))
        {
            // An outage waits for the next hour; any other database error is a bug, but not worth stopping the server.
            if (DbConnectionFactory.IsOutage(ex)) logger.LogWarning("Deleting ended sessions failed, will retry: {Error}", ex.Message);
            else logger.LogError(ex, "Deleting ended sessions failed, will retry");
            return 0;
        }
    }
}
