namespace BillHolder.Server.Infrastructure.Database;

// A database chore run once the schema is ready and then hourly (retention prunes). An outage waits for the next
// hour; any other database error is a bug, but not worth stopping the server for.
internal abstract class HourlyDatabaseJob(DatabaseState database, TimeProvider time, ILogger logger) : BackgroundService
{
    protected TimeProvider Time { get; } = time;

    protected ILogger Logger { get; } = logger;

    // What the job does, for its log lines ("Pruning the sync log").
    protected abstract string Name { get; }

    protected abstract Task RunOnceAsync(CancellationToken cancellationToken);

    protected sealed override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!database.SchemaReady) await Task.Delay(TimeSpan.FromSeconds(1), Time, stoppingToken);
            using var timer = new PeriodicTimer(TimeSpan.FromHours(1), Time);
            do
            {
                try
                {
                    await RunOnceAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is System.Data.Common.DbException || DbConnectionFactory.IsOutage(ex))
                {
                    if (DbConnectionFactory.IsOutage(ex)) Logger.LogWarning("{Job} failed, will retry: {Error}", Name, ex.Message);
                    else Logger.LogError(ex, "{Job} failed, will retry", Name);
                }
            } while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping, also when the host failed to start: not a failure of this service.
        }
    }
}
