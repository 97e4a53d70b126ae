using BillHolder.Server.Infrastructure.Database;
using Dapper;

namespace BillHolder.Server.Accounts;

internal sealed record SessionRow(long Id, long UserId, string Username, long RefreshExpiresAt, long ExpiresAt, long? RevokedAt);

internal sealed record UsedRefreshToken(long SessionId, long RotatedAt);

internal sealed record SessionState(long UserId, long ExpiresAt, long? RevokedAt);

internal sealed class SessionStore(DbConnectionFactory connections)
{
    private const string InsertSession = """
        INSERT INTO auth_session (user_id, refresh_hash, refresh_expires_at, expires_at, created_at)
        VALUES (@UserId, @RefreshHash, @RefreshExpiresAt, @ExpiresAt, @Now);
        SELECT LAST_INSERT_ID();
        """;

    public async Task<long> CreateAsync(long userId, string refreshHash, long refreshExpiresAt, long expiresAt, long now,
        CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(InsertSession,
            new { UserId = userId, RefreshHash = refreshHash, RefreshExpiresAt = refreshExpiresAt, ExpiresAt = expiresAt, Now = now },
            cancellationToken: cancellationToken));
    }

    private const string SelectByRefresh = """
        SELECT s.id AS Id, s.user_id AS UserId, u.username AS Username, s.refresh_expires_at AS RefreshExpiresAt,
               s.expires_at AS ExpiresAt, s.revoked_at AS RevokedAt
        FROM auth_session s JOIN users u ON u.id = s.user_id
        WHERE s.refresh_hash = @Hash AND u.deleted_at IS NULL
        """;

    public async Task<SessionRow?> FindByRefreshAsync(string hash, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<SessionRow>(new CommandDefinition(SelectByRefresh, new { Hash = hash },
            cancellationToken: cancellationToken));
    }

    private const string SelectUsed = "SELECT session_id AS SessionId, rotated_at AS RotatedAt FROM auth_refresh_used WHERE token_hash = @Hash";

    public async Task<UsedRefreshToken?> FindUsedAsync(string hash, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<UsedRefreshToken>(new CommandDefinition(SelectUsed, new { Hash = hash },
            cancellationToken: cancellationToken));
    }

    // The condition on the current hash picks one winner when two refreshes of the same token race: the second
    // UPDATE waits for the first's row lock, then matches nothing.
    private const string Rotate = """
        UPDATE auth_session SET refresh_hash = @NewHash, refresh_expires_at = @RefreshExpiresAt
        WHERE id = @Id AND refresh_hash = @OldHash AND revoked_at IS NULL
        """;

    private const string InsertUsed = "INSERT INTO auth_refresh_used (token_hash, session_id, rotated_at) VALUES (@OldHash, @Id, @Now)";

    // False when another refresh of the same token won.
    public async Task<bool> RotateAsync(long id, string oldHash, string newHash, long refreshExpiresAt, long now, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var args = new { Id = id, OldHash = oldHash, NewHash = newHash, RefreshExpiresAt = refreshExpiresAt, Now = now };
        var rows = await connection.ExecuteAsync(new CommandDefinition(Rotate, args, transaction, cancellationToken: cancellationToken));
        if (rows != 1) return false;
        await connection.ExecuteAsync(new CommandDefinition(InsertUsed, args, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    private const string RevokeOne = "UPDATE auth_session SET revoked_at = @Now WHERE id = @Id AND revoked_at IS NULL";

    public async Task RevokeAsync(long id, long now, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(RevokeOne, new { Id = id, Now = now }, cancellationToken: cancellationToken));
    }

    private const string SelectActiveOfUser = """
        SELECT id FROM auth_session WHERE user_id = @UserId AND revoked_at IS NULL AND expires_at > @Now AND id <> @Except
        """;

    private const string RevokeOfUser = """
        UPDATE auth_session SET revoked_at = @Now WHERE user_id = @UserId AND revoked_at IS NULL AND id <> @Except
        """;

    // Revokes every session of the user but one (0 keeps none); returns the ids of those that were active.
    public async Task<IReadOnlyList<long>> RevokeAllOfUserAsync(long userId, long exceptSessionId, long now, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var args = new { UserId = userId, Except = exceptSessionId, Now = now };
        var ids = (await connection.QueryAsync<long>(new CommandDefinition(SelectActiveOfUser, args, transaction,
            cancellationToken: cancellationToken))).AsList();
        await connection.ExecuteAsync(new CommandDefinition(RevokeOfUser, args, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return ids;
    }

    // A session has ended when it expired, its refresh token expired, or it was revoked. Its rotated refresh tokens
    // go with it (ON DELETE CASCADE). In slices, so a large backlog never holds locks for long.
    private const string DeleteEnded = """
        DELETE FROM auth_session
        WHERE expires_at < @Before OR refresh_expires_at < @Before OR revoked_at < @Before
        LIMIT 5000
        """;

    public Task<int> PruneEndedAsync(long before, CancellationToken cancellationToken) =>
        SlicedDelete.RunAsync(connections, DeleteEnded, new { Before = before }, cancellationToken);

    private const string SelectState = "SELECT user_id AS UserId, expires_at AS ExpiresAt, revoked_at AS RevokedAt FROM auth_session WHERE id = @Id";

    public async Task<SessionState?> StateAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<SessionState>(new CommandDefinition(SelectState, new { Id = id },
            cancellationToken: cancellationToken));
    }
}
