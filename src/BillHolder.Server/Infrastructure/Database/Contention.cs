namespace BillHolder.Server.Infrastructure.Database;

// A deadlock or a lock wait that timed out rolls the unit of work back; tried once more it usually goes through.
// A second loss is answered 503 with Retry-After (ErrorHandling).
internal static class Contention
{
    public static async Task<T> RetryOnceAsync<T>(Func<Task<T>> work, ILogger logger, string what)
    {
        try
        {
            return await work();
        }
        catch (Exception ex) when (DbConnectionFactory.IsContention(ex))
        {
            logger.LogInformation("Retrying {What} once after lock contention: {Error}", what, ex.Message);
            return await work();
        }
    }
}
