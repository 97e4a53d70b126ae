using BillHolder.Server.Infrastructure.Database;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace BillHolder.Tests.Infrastructure;

public sealed class SchemaMigrationTests
{
    [Fact]
    public async Task Migrations_ApplyEveryScriptOnAnEmptyDatabase_AndASecondRunAppliesNothing()
    {
        await using var database = await TestDatabase.CreateAsync();
        var migrator = new SchemaMigrator(database.Connections(), Options.Create(new DatabaseOptions { ConnectionString = database.ConnectionString }),
            new DatabaseState(), NullLogger<SchemaMigrator>.Instance);
        var scripts = Directory.GetFiles(SchemaMigrator.ScriptsDirectory, "*.sql").Select(f => Path.GetFileNameWithoutExtension(f)!).Order().ToList();

        var first = await migrator.ApplyPendingAsync(apply: true, CancellationToken.None);
        var second = await migrator.ApplyPendingAsync(apply: true, CancellationToken.None);

        Assert.Equal(scripts.Count, first);
        Assert.Equal(0, second);
        await using var connection = await database.Connections().OpenAsync(CancellationToken.None);
        var recorded = (await connection.QueryAsync<string>("SELECT version FROM schema_migrations ORDER BY version")).ToList();
        Assert.Equal(scripts, recorded);
        var tables = (await connection.QueryAsync<string>(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY table_name")).ToList();
        Assert.Equal(["auth_refresh_used", "auth_session", "book", "book_change", "book_head", "book_invite", "book_member", "schema_migrations",
            "sync_receipt", "users"], tables);
    }

    [Fact]
    public void Scripts_AreNumberedAndNamedAsTheHouseStyleSays()
    {
        var names = Directory.GetFiles(SchemaMigrator.ScriptsDirectory, "*.sql").Select(Path.GetFileName).ToList();
        Assert.NotEmpty(names);
        Assert.All(names, name => Assert.Matches(@"^\d{3}_[a-z]+(_[a-z]+)*\.sql$", name!));
    }
}
