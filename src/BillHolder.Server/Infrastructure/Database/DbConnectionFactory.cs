using System.Data.Common;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using MySqlConnector;

namespace BillHolder.Server.Infrastructure.Database;

// The only file that names the MySQL driver (MySqlConnector); everything else speaks DbConnection.
internal sealed class DbConnectionFactory : IAsyncDisposable
{
    private readonly MySqlDataSource _ordinary;
    private readonly MySqlDataSource _longWork;
    private readonly string _connectionString;

    public DbConnectionFactory(IOptions<DatabaseOptions> options)
    {
        var settings = options.Value;
        _connectionString = BuildConnectionString(settings, settings.ShortCommandTimeoutSeconds);
        _ordinary = Build(_connectionString, settings.LockWaitTimeoutSeconds);
        // Its own pool: a long command's timeout is a property of the connection string.
        _longWork = Build(BuildConnectionString(settings, settings.CommandTimeoutSeconds), settings.LockWaitTimeoutSeconds);
    }

    // Connections for what requests and hub calls do: short commands, each bounded by ShortCommandTimeoutSeconds.
    public Task<DbConnection> OpenAsync(CancellationToken cancellationToken) => OpenAsync(_ordinary, cancellationToken);

    // Connections for work that may take long (migrations, pruning): CommandTimeoutSeconds.
    public Task<DbConnection> OpenForLongWorkAsync(CancellationToken cancellationToken) => OpenAsync(_longWork, cancellationToken);

    private static async Task<DbConnection> OpenAsync(MySqlDataSource source, CancellationToken cancellationToken)
    {
        var connection = source.CreateConnection();
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public static bool IsDuplicateKey(DbException exception) =>
        exception is MySqlException { ErrorCode: MySqlErrorCode.DuplicateKeyEntry };

    // A write the database refused for what it holds (a key taken, a NULL a column does not take), not for being away.
    public static bool IsRefusedWrite(DbException exception) =>
        IsDuplicateKey(exception) || exception is MySqlException { ErrorCode: MySqlErrorCode.ColumnCannotBeNull };

    // 503 "try again": the database is unreachable or not answering, or the work lost a lock race.
    public static bool IsOutage(Exception exception) => IsUnreachable(exception) || IsContention(exception);

    // The database is away: the connection failed, broke or timed out, or the server refuses connections.
    // Any other server error (a duplicate key, bad SQL, a foreign-key violation) is a bug: 500.
    public static bool IsUnreachable(Exception exception) => exception switch
    {
        // A client's broken body is an IOException too, and says nothing about the database.
        BadHttpRequestException => false,
        MySqlEndOfStreamException or TimeoutException or SocketException or IOException => true,
        MySqlException { ErrorCode: MySqlErrorCode.CommandTimeoutExpired or MySqlErrorCode.ClientInteractionTimeout
            or MySqlErrorCode.ServerShutdown or MySqlErrorCode.UnableToConnectToHost or MySqlErrorCode.ConnectionCountError } => true,
        MySqlException { ErrorCode: MySqlErrorCode.LockDeadlock or MySqlErrorCode.LockWaitTimeout } => false,
        MySqlException { InnerException: { } inner } => IsUnreachable(inner),
        _ => false,
    };

    // Two writers met: a deadlock, or a row lock not granted within LockWaitTimeoutSeconds. The whole unit of
    // work may be tried again (RetryOnContentionAsync); it says nothing about the database's health.
    public static bool IsContention(Exception exception) =>
        exception is MySqlException { ErrorCode: MySqlErrorCode.LockDeadlock or MySqlErrorCode.LockWaitTimeout };

    // Names the database without revealing credentials, for log lines.
    public string Describe()
    {
        var builder = new MySqlConnectionStringBuilder(_connectionString);
        return $"{builder.Server}:{builder.Port}/{builder.Database}";
    }

    public async ValueTask DisposeAsync()
    {
        await _ordinary.DisposeAsync();
        await _longWork.DisposeAsync();
    }

    private static MySqlDataSource Build(string connectionString, int lockWaitSeconds)
    {
        var setLockWait = $"SET SESSION innodb_lock_wait_timeout = {lockWaitSeconds}";
        return new MySqlDataSourceBuilder(connectionString)
            // The driver has no init-command setting. Only a new (or reset) physical connection needs the SET:
            // pooled connections keep their session (ConnectionReset=false), so a warm open costs no round trip.
            .UseConnectionOpenedCallback(async (context, cancellationToken) =>
            {
                if ((context.Conditions & (MySqlConnectionOpenedConditions.New | MySqlConnectionOpenedConditions.Reset)) == 0) return;
                await using var command = new MySqlCommand(setLockWait, context.Connection);
                await command.ExecuteNonQueryAsync(cancellationToken);
            })
            .Build();
    }

    private static string BuildConnectionString(DatabaseOptions options, int commandTimeoutSeconds)
    {
        var builder = new MySqlConnectionStringBuilder(options.ConnectionString)
        {
            // An @name that is not a parameter must fail, not become a NULL user variable. The DDL scripts'
            // several statements each need no setting: the driver splits and sends them.
            AllowUserVariables = false,
            // A pooled connection is handed out as its last user left it, saving the reset round trip on every
            // open. Safe here: no code sets session state except the isolation level, which every
            // BeginTransaction (and a sync batch's own START TRANSACTION) sends again, and the lock wait timeout,
            // which is the same for every user; named locks are released in finally, and a sync batch that does not
            // reach its COMMIT sends ROLLBACK before its connection goes back. The cost: a connection the server
            // dropped fails on first use (503) instead of at open.
            ConnectionReset = false,
            ConnectionTimeout = (uint)options.ConnectTimeoutSeconds,
            DefaultCommandTimeout = (uint)commandTimeoutSeconds,
            // After a command timeout the driver asks the server to cancel the query; a server that does not
            // answer must not hold the caller longer than this.
            CancellationTimeout = 1,
        };
        return builder.ConnectionString;
    }
}
