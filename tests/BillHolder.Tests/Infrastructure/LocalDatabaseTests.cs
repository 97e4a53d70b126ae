using Dapper;

namespace BillHolder.Tests.Infrastructure;

// scripts/db.sh is durable unless told otherwise: an acknowledged sync survives an OS crash (security review).
public sealed class LocalDatabaseTests
{
    [Fact]
    public async Task TheTestDatabase_FlushesEveryCommit_UnlessDurabilityIsTurnedOff()
    {
        var expected = Environment.GetEnvironmentVariable("BILLHOLDER_DB_DURABLE") == "0" ? 2 : 1;
        await using var connection = await TestDatabase.Factory(TestDatabase.ServerConnectionString).OpenAsync(CancellationToken.None);
        Assert.Equal(expected, await connection.ExecuteScalarAsync<int>("SELECT @@innodb_flush_log_at_trx_commit"));
    }
}
