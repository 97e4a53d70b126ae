using System.Data.Common;
using Dapper;

namespace BillHolder.Server.Infrastructure.Database;

// A transaction begun and ended by statements that travel with other work in the same round trip, for the path
// that counts its round trips (a sync batch: BEGIN with the lock, COMMIT with the writes). The driver knows
// nothing of it, so commands carry no DbTransaction, and whoever begins one ends it: COMMIT, or RollBackAsync
// before the connection goes back to the pool (pooled connections are not reset on open: a transaction left
// open would be committed by the next START TRANSACTION on that connection).
internal static class StatementTransaction
{
    public const string Begin = $"SET TRANSACTION ISOLATION LEVEL READ COMMITTED; {Start};";

    // A transaction at the session's level, for work whose reads do not depend on it.
    public const string Start = "START TRANSACTION";

    public const string Commit = "COMMIT";

    public static Task CommitAsync(DbConnection connection) =>
        connection.ExecuteAsync(new CommandDefinition(Commit, cancellationToken: CancellationToken.None));

    public static async Task RollBackAsync(DbConnection connection, ILogger logger)
    {
        try
        {
            await connection.ExecuteAsync(new CommandDefinition("ROLLBACK", cancellationToken: CancellationToken.None));
        }
        catch (Exception ex)
        {
            // A broken connection: the server rolls its transaction back when the session ends.
            logger.LogDebug(ex, "ROLLBACK of a statement transaction failed");
        }
    }
}
