using System.Data.Common;
using BillHolder.Server.Infrastructure.Database;
using Dapper;

namespace BillHolder.Server.Books.Storage;

internal enum MembershipOutcome { Done, UserNotFound, MemberNotFound, LastOwner, BookNotFound }

internal sealed class MemberStore(DbConnectionFactory connections, ILogger<MemberStore> logger)
{
    private const string InsertMember = """
        INSERT INTO book_member (book_id, user_id, role, created_at) VALUES (@BookId, @UserId, @Role, @Now)
        ON DUPLICATE KEY UPDATE role = VALUES(role)
        """;

    public static Task AddAsync(DbConnection connection, DbTransaction transaction, long bookId, long userId, BookRole role, long now,
        CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(InsertMember,
            new { BookId = bookId, UserId = userId, Role = role.ToWire(), Now = now }, transaction, cancellationToken: cancellationToken));

    private const string SelectMembers = """
        SELECT u.id AS UserId, u.username AS Username, m.role AS Role
        FROM book_member m JOIN users u ON u.id = m.user_id
        WHERE m.book_id = @BookId
        ORDER BY u.username
        """;

    public async Task<IReadOnlyList<MemberDto>> ListAsync(long bookId, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<MemberDto>(new CommandDefinition(SelectMembers, new { BookId = bookId },
            cancellationToken: cancellationToken))).AsList();
    }

    private const string SelectMemberIds = "SELECT user_id FROM book_member WHERE book_id = @BookId";

    public async Task<HashSet<long>> UserIdsAsync(long bookId, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<long>(new CommandDefinition(SelectMemberIds, new { BookId = bookId },
            cancellationToken: cancellationToken))).ToHashSet();
    }

    // The head row, as syncs do: never the book row, which a checkpoint may hold for a while.
    private const string LockBookRow = "SELECT book_id FROM book_head WHERE book_id = @BookId FOR UPDATE";
    private const string SelectUser = "SELECT id AS Id, username AS Username FROM users WHERE username = @Username";
    private const string SelectMemberRole = "SELECT role FROM book_member WHERE book_id = @BookId AND user_id = @UserId";
    private const string CountOwners = "SELECT COUNT(*) FROM book_member WHERE book_id = @BookId AND role = 'owner'";
    private const string DeleteMember = "DELETE FROM book_member WHERE book_id = @BookId AND user_id = @UserId";

    // Sets a role (adding the member when new), or removes the member when role is null.
    // The head row lock serializes membership changes, so "at least one owner" holds under concurrency.
    public Task<(MembershipOutcome Outcome, MemberDto? Member)> ChangeAsync(long bookId, string username, BookRole? role, long now,
        CancellationToken cancellationToken) =>
        Contention.RetryOnceAsync(() => ChangeOnceAsync(bookId, username, role, now, cancellationToken), logger, "a membership change");

    private async Task<(MembershipOutcome Outcome, MemberDto? Member)> ChangeOnceAsync(long bookId, string username, BookRole? role, long now,
        CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var book = await connection.QuerySingleOrDefaultAsync<long?>(new CommandDefinition(LockBookRow, new { BookId = bookId }, transaction,
            cancellationToken: cancellationToken));
        if (book is null) return (MembershipOutcome.BookNotFound, null);

        var found = await connection.QuerySingleOrDefaultAsync<FoundUser>(new CommandDefinition(SelectUser,
            new { Username = username }, transaction, cancellationToken: cancellationToken));
        if (found is null) return (role is null ? MembershipOutcome.MemberNotFound : MembershipOutcome.UserNotFound, null);

        var ids = new { BookId = bookId, UserId = found.Id };
        var current = BookRoles.Parse(await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(SelectMemberRole, ids,
            transaction, cancellationToken: cancellationToken)));
        if (current is null && role is null) return (MembershipOutcome.MemberNotFound, null);

        if (current == BookRole.Owner && role != BookRole.Owner)
        {
            var owners = await connection.ExecuteScalarAsync<long>(new CommandDefinition(CountOwners, ids, transaction,
                cancellationToken: cancellationToken));
            if (owners <= 1) return (MembershipOutcome.LastOwner, null);
        }

        if (role is { } newRole) await AddAsync(connection, transaction, bookId, found.Id, newRole, now, cancellationToken);
        else await connection.ExecuteAsync(new CommandDefinition(DeleteMember, ids, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return (MembershipOutcome.Done, new MemberDto(found.Id, found.Username, (role ?? current!.Value).ToWire()));
    }

    private sealed record FoundUser(long Id, string Username);
}
