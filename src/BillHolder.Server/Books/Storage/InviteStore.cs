using BillHolder.Server.Infrastructure.Database;
using Dapper;

namespace BillHolder.Server.Books.Storage;

internal sealed record InviteDto(long Id, string Role, DateTimeOffset ExpiresAt, int? MaxUses, int Uses, DateTimeOffset CreatedAt);

internal sealed record AcceptedInvite(long BookId, string Role);

internal sealed class InviteStore(DbConnectionFactory connections)
{
    private const string Insert = """
        INSERT INTO book_invite (book_id, code_hash, role, created_by, created_at, expires_at, max_uses)
        VALUES (@BookId, @CodeHash, @Role, @CreatedBy, @Now, @ExpiresAt, @MaxUses);
        SELECT LAST_INSERT_ID();
        """;

    public async Task<long> CreateAsync(long bookId, string codeHash, BookRole role, long createdBy, long now, long expiresAt, int? maxUses,
        CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(Insert, new
        {
            BookId = bookId, CodeHash = codeHash, Role = role.ToWire(), CreatedBy = createdBy, Now = now, ExpiresAt = expiresAt, MaxUses = maxUses,
        }, cancellationToken: cancellationToken));
    }

    private const string SelectOfBook = """
        SELECT id AS Id, role AS Role, expires_at AS ExpiresAt, max_uses AS MaxUses, uses AS Uses, created_at AS CreatedAt
        FROM book_invite WHERE book_id = @BookId ORDER BY id
        """;

    public async Task<IReadOnlyList<InviteDto>> ListAsync(long bookId, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<ListedRow>(
            new CommandDefinition(SelectOfBook, new { BookId = bookId }, cancellationToken: cancellationToken));
        return [.. rows.Select(r => new InviteDto(r.Id, r.Role, DateTimeOffset.FromUnixTimeMilliseconds(r.ExpiresAt), r.MaxUses, r.Uses,
            DateTimeOffset.FromUnixTimeMilliseconds(r.CreatedAt)))];
    }

    private const string Delete = "DELETE FROM book_invite WHERE id = @Id AND book_id = @BookId";

    public async Task<bool> DeleteAsync(long bookId, long id, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(Delete, new { Id = id, BookId = bookId }, cancellationToken: cancellationToken)) == 1;
    }

    // In slices (SlicedDelete). A scan of the table: it holds invites, not records.
    private const string DeleteExpired = "DELETE FROM book_invite WHERE expires_at < @Before LIMIT 5000";

    public Task<int> PruneExpiredAsync(long before, CancellationToken cancellationToken) =>
        SlicedDelete.RunAsync(connections, DeleteExpired, new { Before = before }, cancellationToken);

    // The invite row lock counts uses one at a time, so maxUses holds when several people accept at once.
    private const string LockByCode = """
        SELECT id AS Id, book_id AS BookId, role AS Role, expires_at AS ExpiresAt, max_uses AS MaxUses, uses AS Uses
        FROM book_invite WHERE code_hash = @CodeHash FOR UPDATE
        """;
    private const string SelectRole = "SELECT role FROM book_member WHERE book_id = @BookId AND user_id = @UserId";
    private const string InsertMember = "INSERT INTO book_member (book_id, user_id, role, created_at) VALUES (@BookId, @UserId, @Role, @Now)";
    private const string CountUse = "UPDATE book_invite SET uses = uses + 1 WHERE id = @Id";

    // Null for a wrong, expired or used-up code (a deleted invite is simply gone). An existing member keeps their
    // role and uses nothing up.
    public async Task<AcceptedInvite?> AcceptAsync(string codeHash, long userId, long now, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var invite = await connection.QuerySingleOrDefaultAsync<InviteRow>(
            new CommandDefinition(LockByCode, new { CodeHash = codeHash }, transaction, cancellationToken: cancellationToken));
        if (invite is not { } found || found.ExpiresAt <= now || (found.MaxUses is { } max && found.Uses >= max)) return null;

        var member = new { found.BookId, UserId = userId, found.Role, Now = now, found.Id };
        var current = await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(SelectRole, member, transaction,
            cancellationToken: cancellationToken));
        if (current is not null) return new AcceptedInvite(found.BookId, current);

        await connection.ExecuteAsync(new CommandDefinition(InsertMember, member, transaction, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition(CountUse, member, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return new AcceptedInvite(found.BookId, found.Role);
    }

    private sealed record ListedRow(long Id, string Role, long ExpiresAt, int? MaxUses, int Uses, long CreatedAt);

    private sealed record InviteRow(long Id, long BookId, string Role, long ExpiresAt, int? MaxUses, int Uses);
}
