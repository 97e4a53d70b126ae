using Dapper;
using Microsoft.Extensions.Options;

namespace BillHolder.Server.Infrastructure.Database;

// Applies the sql/NNN_*.sql scripts that the database has not seen yet, in name order, once per script.
// It runs in the background and retries, so the process comes up (and reports not-ready) while MySQL is down.
// A database that a newer server version has migrated (it holds scripts this one does not know) stops this
// server: old and new binaries must never run side by side on one database (upgrade: stop all, migrate, start).
internal sealed class SchemaMigrator(
    DbConnectionFactory connections,
    IOptions<DatabaseOptions> options,
    DatabaseState state,
    ILogger<SchemaMigrator> logger) : BackgroundService
{
    private const string CreateMigrationsTable = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
          version    VARCHAR(255) NOT NULL,
          applied_at BIGINT       NOT NULL,
          PRIMARY KEY (version)
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
        """;

    private const string SelectApplied = "SELECT version FROM schema_migrations";
    private const string MigrationsTableExists =
        "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'schema_migrations'";
    private const string InsertApplied = "INSERT INTO schema_migrations (version, applied_at) VALUES (@Version, @AppliedAt)";

    // Two server processes starting together must not both run a script.
    private const string TakeLock = "SELECT GET_LOCK('billholder_schema_migrations', 60)";
    private const string ReleaseLock = "SELECT RELEASE_LOCK('billholder_schema_migrations')";

    public static string ScriptsDirectory => Path.Combine(AppContext.BaseDirectory, "sql");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.ApplyMigrations)
        {
            logger.LogInformation("Schema migrations are switched off (Database:ApplyMigrations=false)");
        }

        try
        {
            await ApplyWithRetriesAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping, also when the host failed to start: not a failure of this service.
        }
    }

    private async Task ApplyWithRetriesAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            try
            {
                var applied = await ApplyPendingAsync(options.Value.ApplyMigrations, stoppingToken);
                logger.LogInformation("Schema is current on {Database}; applied {Count} script(s)", connections.Describe(), applied);
                state.MarkSchemaReady();
                return;
            }
            catch (Exception ex) when (DbConnectionFactory.IsOutage(ex))
            {
                logger.LogWarning("Schema migration waits for the database {Database}: {Error}", connections.Describe(), ex.Message);
            }
            catch (Exception ex) when (ex is System.Data.Common.DbException or SchemaTooNewException)
            {
                // A failing script or refused credentials do not heal by waiting: stop the server, naming the cause.
                logger.LogCritical(ex, "Schema migration failed on {Database}", connections.Describe());
                throw;
            }
            await Task.Delay(delay, stoppingToken);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(10).Ticks));
        }
    }

    // With apply false only checks that the database is not newer than this server.
    public async Task<int> ApplyPendingAsync(bool apply, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenForLongWorkAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(TakeLock, cancellationToken: cancellationToken));
        try
        {
            // A server that must not migrate must not create tables either: it only reads what is there.
            if (apply) await connection.ExecuteAsync(new CommandDefinition(CreateMigrationsTable, cancellationToken: cancellationToken));
            var recorded = apply || await connection.ExecuteScalarAsync<long>(new CommandDefinition(MigrationsTableExists, cancellationToken: cancellationToken)) > 0;
            var done = recorded
                ? (await connection.QueryAsync<string>(new CommandDefinition(SelectApplied, cancellationToken: cancellationToken))).ToHashSet()
                : [];
            var scripts = Directory.GetFiles(ScriptsDirectory, "*.sql").Order(StringComparer.Ordinal).ToList();
            var unknown = done.Except(scripts.Select(script => Path.GetFileNameWithoutExtension(script))).Order(StringComparer.Ordinal).ToList();
            if (unknown.Count > 0) throw new SchemaTooNewException(unknown);
            if (!apply) return 0;

            var count = 0;
            foreach (var script in scripts)
            {
                var version = Path.GetFileNameWithoutExtension(script);
                if (done.Contains(version)) continue;

                logger.LogInformation("Applying schema script {Script}", version);
                var sql = await File.ReadAllTextAsync(script, cancellationToken);
                // MySQL commits DDL implicitly, so a script is recorded right after it succeeds.
                await connection.ExecuteAsync(new CommandDefinition(sql, cancellationToken: cancellationToken));
                await connection.ExecuteAsync(new CommandDefinition(InsertApplied,
                    new { Version = version, AppliedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() },
                    cancellationToken: cancellationToken));
                count++;
            }
            return count;
        }
        finally
        {
            await connection.ExecuteAsync(new CommandDefinition(ReleaseLock, cancellationToken: CancellationToken.None));
        }
    }
}

internal sealed class SchemaTooNewException(IReadOnlyList<string> unknown) : Exception(
    $"The database holds schema scripts this server version does not know ({string.Join(", ", unknown)}): a newer version " +
    "migrated it. Run that version, or restore the database; old and new versions must not run side by side.");

internal sealed class DatabaseState
{
    private volatile bool _schemaReady;

    public bool SchemaReady => _schemaReady;

    public void MarkSchemaReady() => _schemaReady = true;
}
