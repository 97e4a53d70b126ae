using Dapper;
using Microsoft.Extensions.Options;

namespace BillHolder.Server.Infrastructure.Database;

// Applies the sql/NNN_*.sql scripts that the database has not seen yet, in name order, once per script.
// It runs in the background and retries, so the process comes up (and reports not-ready) while MySQL is down.
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
            state.MarkSchemaReady();
            return;
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
                var applied = await ApplyPendingAsync(stoppingToken);
                logger.LogInformation("Schema is current on {Database}; applied {Count} script(s)", connections.Describe(), applied);
                state.MarkSchemaReady();
                return;
            }
            catch (Exception ex) when (DbConnectionFactory.IsOutage(ex))
            {
                logger.LogWarning("Schema migration waits for the database {Database}: {Error}", connections.Describe(), ex.Message);
            }
            catch (Exception ex) when (ex is System.Data.Common.DbException)
            {
                // A failing script or refused credentials do not heal by waiting: stop the server, naming the cause.
                logger.LogCritical(ex, "Schema migration failed on {Database}", connections.Describe());
                throw;
            }
            await Task.Delay(delay, stoppingToken);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(10).Ticks));
        }
    }

    public async Task<int> ApplyPendingAsync(CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenForLongWorkAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(TakeLock, cancellationToken: cancellationToken));
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(CreateMigrationsTable, cancellationToken: cancellationToken));
            var done = (await connection.QueryAsync<string>(new CommandDefinition(SelectApplied, cancellationToken: cancellationToken))).ToHashSet();
            var count = 0;
            foreach (var script in Directory.GetFiles(ScriptsDirectory, "*.sql").Order(StringComparer.Ordinal))
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

internal sealed class DatabaseState
{
    private volatile bool _schemaReady;

    public bool SchemaReady => _schemaReady;

    public void MarkSchemaReady() => _schemaReady = true;
}
