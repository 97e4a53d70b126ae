using System.Net.Http.Headers;
using System.Net.Http.Json;
using BillHolder.Server.Infrastructure.Database;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using static BillHolder.Tests.Infrastructure.TestClient;

namespace BillHolder.Tests.Infrastructure;

// Upgrades: a database of an older version is migrated in place; a database of a newer version stops this one.
public sealed class SchemaUpgradeTests
{
    private static SchemaMigrator Migrator(TestDatabase database) => new(database.Connections(),
        Options.Create(new DatabaseOptions { ConnectionString = database.ConnectionString }), new DatabaseState(), NullLogger<SchemaMigrator>.Instance);

    [Fact]
    public async Task Checkpoints_Migration_KeepsEveryExistingBookReadableAndWritable()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using (var connection = await database.Connections().OpenAsync(CancellationToken.None))
        {
            // The schema before books became checkpoints, with a book written by that version (at version 5).
            await connection.ExecuteAsync("CREATE TABLE schema_migrations (version VARCHAR(255) NOT NULL, applied_at BIGINT NOT NULL, PRIMARY KEY (version))");
            foreach (var script in Directory.GetFiles(SchemaMigrator.ScriptsDirectory, "*.sql").Order(StringComparer.Ordinal)
                .Where(s => string.CompareOrdinal(Path.GetFileName(s), "004") < 0))
            {
                await connection.ExecuteAsync(await File.ReadAllTextAsync(script));
                await connection.ExecuteAsync("INSERT INTO schema_migrations VALUES (@Version, 0)", new { Version = Path.GetFileNameWithoutExtension(script) });
            }
            await connection.ExecuteAsync("""
                INSERT INTO book (id, name, wallets, bills, transfers, incomes, createdBy, createdAt, lastEditedBy, lastEditedAt, version,
                                  nextWalletId, nextBillId, nextTransferId, nextIncomeId)
                VALUES (7, 'Old', '[{"id":1,"name":"Cash","color":null,"openingBalance":100,"balance":90,"remark":null,"createdAt":1,"lastEditedAt":1,"version":5,"createdBy":"old","lastEditedBy":"old","status":0}]',
                        '[{"id":3,"walletId":1,"amount":10,"date":1,"category":null,"remark":null,"createdAt":1,"lastEditedAt":1,"version":4,"createdBy":"old","lastEditedBy":"old","status":0}]',
                        '[]', '[]', 'old', 1, 'old', 1, 5, 2, 4, 1, 1)
                """);
        }

        // 004 (checkpoints) and 005 (pre-images, whose old rows stay NULL).
        Assert.Equal(2, await Migrator(database).ApplyPendingAsync(apply: true, CancellationToken.None));

        await using var server = ExtraHost.Create(database.ConnectionString);
        var http = server.CreateClient();
        await http.PostAsJsonAsync("/api/auth/register", new { username = "upgrader", password = "correct-horse-battery" });
        var login = await (await http.PostAsJsonAsync("/api/auth/login", new { username = "upgrader", password = "correct-horse-battery" }))
            .ReadJsonAsync(System.Net.HttpStatusCode.OK);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", login.GetProperty("accessToken").GetString());
        var user = new UserClient(0, "upgrader", "", http);
        await using (var connection = await database.Connections().OpenAsync(CancellationToken.None))
        {
            await connection.ExecuteAsync("INSERT INTO book_member (book_id, user_id, role, created_at) SELECT 7, id, 'owner', 1 FROM users WHERE username = 'upgrader'");
        }

        var book = await user.BookAsync(7);
        Assert.Equal(5, book.GetProperty("version").GetInt64());
        Assert.Equal(90, book.GetProperty("wallets")[0].GetProperty("balance").GetInt64());
        var synced = await user.SyncOkAsync(7, new { syncId = "after-upgrade", bills = new[] { Bill(-1, 3, 1, 5) } });
        Assert.Equal(6, synced.GetProperty("version").GetInt64());
        // Ids continue from the old counters; the new bill lands after the old one.
        Assert.Equal(4, synced.GetProperty("idMap").GetProperty("bills").GetProperty("-1").GetInt64());
        Assert.Equal(new Dictionary<long, long> { [1] = 85 }, await user.BalancesAsync(7));
        await user.AssertConsistentAsync(7);
    }

    [Fact]
    public async Task DatabaseMigratedByANewerVersion_StopsThisOne_EvenWithMigrationsSwitchedOff()
    {
        await using var database = await TestDatabase.CreateAsync();
        await Migrator(database).ApplyPendingAsync(apply: true, CancellationToken.None);
        await using (var connection = await database.Connections().OpenAsync(CancellationToken.None))
        {
            await connection.ExecuteAsync("INSERT INTO schema_migrations VALUES ('999_from_the_future', 0)");
        }

        foreach (var apply in new[] { true, false })
        {
            var refused = await Assert.ThrowsAsync<SchemaTooNewException>(() => Migrator(database).ApplyPendingAsync(apply, CancellationToken.None));
            Assert.Contains("999_from_the_future", refused.Message);
        }
    }
}
