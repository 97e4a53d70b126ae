using BillHolder.Server.Infrastructure.Database;
using Dapper;
using Microsoft.Extensions.Options;

namespace BillHolder.Tests.Infrastructure;

// A throw-away database on the MariaDB that test.sh starts (or BILLHOLDER_TEST_CONNECTION names).
internal sealed class TestDatabase : IAsyncDisposable
{
    private const string DefaultServer = "Server=127.0.0.1;Port=3317;User ID=billholder;Password=billholder-dev;SslMode=Disabled";

    public string Name { get; } = $"billholder_test_{Guid.NewGuid():N}"[..40];

    public string ConnectionString => $"{ServerConnectionString};Database={Name}";

    public static string ServerConnectionString
    {
        get
        {
            var configured = Environment.GetEnvironmentVariable("BILLHOLDER_TEST_CONNECTION");
            if (string.IsNullOrWhiteSpace(configured)) return DefaultServer;
            // Drop any Database= the caller put in: each test class makes its own.
            return string.Join(';', configured.Split(';', StringSplitOptions.RemoveEmptyEntries)
                .Where(part => !part.TrimStart().StartsWith("Database=", StringComparison.OrdinalIgnoreCase)));
        }
    }

    public static async Task<TestDatabase> CreateAsync()
    {
        var database = new TestDatabase();
        await using var connection = await Server().OpenAsync(CancellationToken.None);
        await connection.ExecuteAsync($"CREATE DATABASE `{database.Name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");
        return database;
    }

    public DbConnectionFactory Connections() => Factory(ConnectionString);

    public async ValueTask DisposeAsync()
    {
        await using var connection = await Server().OpenAsync(CancellationToken.None);
        await connection.ExecuteAsync($"DROP DATABASE IF EXISTS `{Name}`");
    }

    private static DbConnectionFactory Server() => Factory(ServerConnectionString);

    internal static DbConnectionFactory Factory(string connectionString) =>
        new(Options.Create(new DatabaseOptions { ConnectionString = connectionString }));
}
