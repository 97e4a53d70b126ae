using System.Data.Common;
using BillHolder.Server.Infrastructure.Database;
using Dapper;

namespace BillHolder.Server.Books.Storage;

internal enum MembershipOutcome { Done, UserNotFound, MemberNotFound, LastOwner, BookNotFound }

// Blocked: books it is the only owner of while others belong to them (nothing was changed). Alone: books it is the
// only member of. Left: books whose membership was removed.
internal sealed record AccountRelease(IReadOnlyList<(long Id, string Name)> Blocked, IReadOnlyList<long> Alone, IReadOnlyList<long> Left);

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

    // Within a larger read (an export's snapshot).
    public static async Task<IReadOnlyList<MemberDto>> ListAsync(DbConnection connection, DbTransaction transaction, long bookId,
        CancellationToken cancellationToken) =>
        (await connection.QueryAsync<MemberDto>(new CommandDefinition(SelectMembers, new { BookId = bookId }, transaction,
            cancellationToken: cancellationToken))).AsList();

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
    private const string SelectUser = "SELECT id AS Id, username AS Username FROM users WHERE username = @Username AND deleted_at IS NULL";
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

    private const string SelectBooksOfUser = "SELECT book_id FROM book_member WHERE user_id = @UserId";
    private const string LockMembersOfBooks = """
        SELECT m.book_id AS BookId, m.user_id AS UserId, m.role AS Role, b.name AS BookName
        FROM book_member m JOIN book b ON b.id = m.book_id
        WHERE m.book_id IN @BookIds
        ORDER BY m.book_id, m.user_id
        FOR UPDATE
        """;
    private const string DeleteMemberships = "DELETE FROM book_member WHERE user_id = @UserId AND book_id IN @BookIds";

    // A leaving account: locks the member rows of every book it belongs to (so two owners leaving at once see
    // each other's departure, and a book never ends up ownerless), refuses when it is the only owner of a book
    // others belong to, and otherwise removes its memberships of shared books. Books it alone belongs to are
    // returned for the caller to delete the normal way.
    public async Task<AccountRelease> ReleaseUserAsync(long userId, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var bookIds = (await connection.QueryAsync<long>(new CommandDefinition(SelectBooksOfUser, new { UserId = userId }, transaction,
            cancellationToken: cancellationToken))).AsList();
        if (bookIds.Count == 0) return new AccountRelease([], [], []);

        var rows = await connection.QueryAsync<MemberRow>(new CommandDefinition(LockMembersOfBooks, new { BookIds = bookIds }, transaction,
            cancellationToken: cancellationToken));
        List<(long Id, string Name)> blocked = [];
        List<long> alone = [], left = [];
        foreach (var book in rows.GroupBy(r => r.BookId))
        {
            var mine = book.FirstOrDefault(r => r.UserId == userId);
            if (mine is null) continue;
            var others = book.Where(r => r.UserId != userId).ToList();
            if (others.Count == 0) alone.Add(book.Key);
            else if (mine.Role == "owner" && others.All(r => r.Role != "owner")) blocked.Add((book.Key, mine.BookName));
            else left.Add(book.Key);
        }
        if (blocked.Count > 0) return new AccountRelease(blocked, [], []);
        if (left.Count > 0)
        {
            await connection.ExecuteAsync(new CommandDefinition(DeleteMemberships, new { UserId = userId, BookIds = left }, transaction,
                cancellationToken: cancellationToken));
        }
        await transaction.CommitAsync(cancellationToken);
        return new AccountRelease([], alone, left);
    }

    private sealed record MemberRow(long BookId, long UserId, string Role, string BookName);

    private sealed record FoundUser(long Id, string Username);
}
