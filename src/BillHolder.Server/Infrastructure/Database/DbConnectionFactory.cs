using System.Data.Common;
using Microsoft.Extensions.Options;
using MySql.Data.MySqlClient;

namespace BillHolder.Server.Infrastructure.Database;

// The only file that names the MySQL provider. Moving to MySqlConnector is a change here and in the csproj.
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
        exception is MySqlException { Number: 1062 };

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
            // Sync statements carry whole books; the DDL scripts hold several statements each.
            AllowUserVariables = true,
            ConnectionTimeout = (uint)options.ConnectTimeoutSeconds,
            DefaultCommandTimeout = (uint)options.CommandTimeoutSeconds,
        };
        return builder.ConnectionString;
    }
}
