using System.Data.Common;
using BillHolder.Server.Infrastructure.Database;
using Dapper;

namespace BillHolder.Server.Accounts;

internal sealed class UserStore(DbConnectionFactory connections)
{
    private const string InsertUser = """
        INSERT INTO users (username, password_hash, created_at) VALUES (@Username, @PasswordHash, @CreatedAt);
        SELECT LAST_INSERT_ID();
        """;

    // Returns null when the username is taken (usernames compare case-insensitively).
    public async Task<UserRecord?> CreateAsync(string username, string passwordHash, long createdAt, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        try
        {
            var id = await connection.ExecuteScalarAsync<long>(new CommandDefinition(InsertUser,
                new { Username = username, PasswordHash = passwordHash, CreatedAt = createdAt }, cancellationToken: cancellationToken));
            return new UserRecord(id, username, passwordHash);
        }
        catch (DbException ex) when (DbConnectionFactory.IsDuplicateKey(ex))
        {
            return null;
        }
    }

    private const string SelectByUsername = """
        SELECT id AS Id, username AS Username, password_hash AS PasswordHash FROM users WHERE username = @Username AND deleted_at IS NULL
        """;

    public async Task<UserRecord?> FindByUsernameAsync(string username, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<UserRecord>(new CommandDefinition(SelectByUsername,
            new { Username = username }, cancellationToken: cancellationToken));
    }

    private const string SelectById = """
        SELECT id AS Id, username AS Username, password_hash AS PasswordHash FROM users WHERE id = @Id AND deleted_at IS NULL
        """;

    public async Task<UserRecord?> FindByIdAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<UserRecord>(new CommandDefinition(SelectById,
            new { Id = id }, cancellationToken: cancellationToken));
    }

    // The row stays, without a password, so the username remains taken (books' records name it as text).
    private const string Tombstone = "UPDATE users SET password_hash = '', deleted_at = @Now WHERE id = @Id AND deleted_at IS NULL";
    private const string SelectSessionIds = "SELECT id FROM auth_session WHERE user_id = @Id";
    private const string DeleteSessions = "DELETE FROM auth_session WHERE user_id = @Id";

    // Returns the ids of the sessions that went with the account.
    public async Task<IReadOnlyList<long>> DeleteAsync(long id, long now, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var args = new { Id = id, Now = now };
        await connection.ExecuteAsync(new CommandDefinition(Tombstone, args, transaction, cancellationToken: cancellationToken));
        var sessions = (await connection.QueryAsync<long>(new CommandDefinition(SelectSessionIds, args, transaction,
            cancellationToken: cancellationToken))).AsList();
        await connection.ExecuteAsync(new CommandDefinition(DeleteSessions, args, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return sessions;
    }

    private const string UpdatePasswordHash = "UPDATE users SET password_hash = @PasswordHash WHERE id = @Id";

    public async Task UpdatePasswordHashAsync(long id, string passwordHash, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(UpdatePasswordHash,
            new { Id = id, PasswordHash = passwordHash }, cancellationToken: cancellationToken));
    }
}

internal sealed record UserRecord(long Id, string Username, string PasswordHash);
