using Dapper;

namespace BillHolder.Server.Infrastructure.Database;

// A DELETE of a backlog in slices: its SQL ends in LIMIT, and it runs again until it deletes nothing, so no single
// statement holds its locks for long. The pruners' way of forgetting old rows.
internal static class SlicedDelete
{
    public static async Task<int> RunAsync(DbConnectionFactory connections, string sql, object parameters, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        var total = 0;
        for (int deleted; (deleted = await connection.ExecuteAsync(new CommandDefinition(sql, parameters, cancellationToken: cancellationToken))) > 0;)
        {
            total += deleted;
        }
        return total;
    }
}
