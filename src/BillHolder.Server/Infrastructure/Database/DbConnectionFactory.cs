using System.Data.Common;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using MySqlConnector;

namespace BillHolder.Server.Infrastructure.Database;

// The only file that names the MySQL driver (MySqlConnector); everything else speaks DbConnection.
internal sealed class DbConnectionFactory(IOptions<DatabaseOptions> options)
{
    private readonly string _connectionString = BuildConnectionString(options.Value);

    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new MySqlConnection(_connectionString);
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

    // "The database is away, try again": the connection failed, broke or timed out, or the server asks for a
    // retry (deadlock, lock wait, too many connections). Any other server error (a duplicate key, bad SQL) is a bug.
    public static bool IsOutage(Exception exception) => exception switch
    {
        MySqlEndOfStreamException or TimeoutException or SocketException or IOException => true,
        MySqlException { IsTransient: true } => true,
        MySqlException { ErrorCode: MySqlErrorCode.CommandTimeoutExpired or MySqlErrorCode.ClientInteractionTimeout
            or MySqlErrorCode.ServerShutdown or MySqlErrorCode.UnableToConnectToHost } => true,
        MySqlException { InnerException: { } inner } => IsOutage(inner),
        _ => false,
    };

    // Names the database without revealing credentials, for log lines.
    public string Describe()
    {
        var builder = new MySqlConnectionStringBuilder(_connectionString);
        return $"{builder.Server}:{builder.Port}/{builder.Database}";
    }

    private static string BuildConnectionString(DatabaseOptions options)
    {
        var builder = new MySqlConnectionStringBuilder(options.ConnectionString)
        {
            // An @name that is not a parameter must fail, not become a NULL user variable. The DDL scripts'
            // several statements each need no setting: the driver splits and sends them.
            AllowUserVariables = false,
            // A pooled connection is handed out as its last user left it, saving the reset round trip on every
            // open. Safe here: no code sets session state except the isolation level, which every
            // BeginTransaction sends again (pipelined with START TRANSACTION); named locks are released in
            // finally. The cost: a connection the server dropped fails on first use (503) instead of at open.
            ConnectionReset = false,
            ConnectionTimeout = (uint)options.ConnectTimeoutSeconds,
            DefaultCommandTimeout = (uint)options.CommandTimeoutSeconds,
        };
        return builder.ConnectionString;
    }
}
