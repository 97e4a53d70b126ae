using System.Data.Common;
using BillHolder.Server.Books.Engine;
using BillHolder.Server.Infrastructure.Database;
using Dapper;

namespace BillHolder.Server.Books.Storage;

// The book row (a checkpoint: the records as of checkpointVersion) and the book's head row (its current version,
// name, id counters and last editor). Syncs lock and write only the head; the book row changes at checkpoints.
// Methods that take a transaction are building blocks of a larger transaction.
internal sealed class BookStore(DbConnectionFactory connections)
{
    private const string HeadColumns = """
        h.book_id AS BookId, h.version AS Version, h.name AS Name, h.remark AS Remark, h.lastEditedBy AS LastEditedBy,
        h.lastEditedAt AS LastEditedAt, h.nextWalletId AS NextWalletId, h.nextBillId AS NextBillId,
        h.nextTransferId AS NextTransferId, h.nextIncomeId AS NextIncomeId
        """;

    // One round trip at the start of a batch of syncs: starts its transaction (READ COMMITTED), takes the head row
    // lock (serializing the book's writers across server processes) and brings the roles of the batch's users and
    // the receipts of its syncIds. The transaction is the caller's to end (StatementTransaction).

    private const string LockHead = $"SELECT {HeadColumns} FROM book_head h WHERE h.book_id = @BookId FOR UPDATE;";

    // A batch of one sync (the usual case) reads its user's role and its receipt in the locking statement itself:
    // one statement instead of three. It also locks that member row and that receipt (membership changes lock
    // the head row first, so the order is the same everywhere).
    private const string BeginAndLockOne = $"""
        {StatementTransaction.Begin}
        SELECT {HeadColumns}, 1 AS Joined, m.role AS Role, r.sync_id AS SyncId, r.payload_hash AS PayloadHash, r.result AS Result
        FROM book_head h
        LEFT JOIN book_member m ON m.book_id = h.book_id AND m.user_id = @UserId
        LEFT JOIN sync_receipt r ON r.book_id = h.book_id AND r.sync_id = @SyncId
        WHERE h.book_id = @BookId FOR UPDATE;
        """;

    private const string BeginAndLockMany = $"""
        {StatementTransaction.Begin}
        {LockHead}
        SELECT user_id AS UserId, role AS Role FROM book_member WHERE book_id = @BookId AND user_id IN @UserIds;
        SELECT sync_id AS SyncId, payload_hash AS PayloadHash, result AS Result FROM sync_receipt
        WHERE book_id = @BookId AND sync_id IN @SyncIds;
        """;

    public static async Task<SyncStart?> BeginAndLockForSyncAsync(DbConnection connection, long bookId, IEnumerable<long> userIds,
        IEnumerable<string> syncIds, CancellationToken cancellationToken)
    {
        var users = userIds.Distinct().ToList();
        var syncs = syncIds.Distinct().ToList();
        if (users.Count == 1 && syncs.Count == 1)
        {
            var rows = await connection.QueryAsync<HeadRow, MemberAndReceipt, (HeadRow Head, MemberAndReceipt? Extra)>(new CommandDefinition(
                BeginAndLockOne, new { BookId = bookId, UserId = users[0], SyncId = syncs[0] }, cancellationToken: cancellationToken),
                (head, extra) => (head, extra), splitOn: "Joined");
            if (rows.FirstOrDefault() is not { Head: { } found } row) return null;
            var role = row.Extra?.Role is { } r ? new Dictionary<long, string> { [users[0]] = r } : [];
            var receipt = row.Extra?.SyncId is { } syncId
                ? new Dictionary<string, ReceiptRow>(StringComparer.Ordinal) { [syncId] = new() { SyncId = syncId, PayloadHash = row.Extra.PayloadHash!, Result = row.Extra.Result! } }
                : new Dictionary<string, ReceiptRow>(StringComparer.Ordinal);
            return new SyncStart(found, role, receipt);
        }
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(BeginAndLockMany,
            new { BookId = bookId, UserIds = users, SyncIds = syncs }, cancellationToken: cancellationToken));
        var head = await results.ReadSingleOrDefaultAsync<HeadRow>();
        var roles = (await results.ReadAsync<(long UserId, string Role)>()).ToDictionary(r => r.UserId, r => r.Role);
        var receipts = (await results.ReadAsync<ReceiptRow>()).ToDictionary(r => r.SyncId, StringComparer.Ordinal);
        return head is null ? null : new SyncStart(head, roles, receipts);
    }

    // Joined is never null, so Dapper always makes this part of the row.
    private sealed class MemberAndReceipt
    {
        public int Joined { get; init; }
        public string? Role { get; init; }
        public string? SyncId { get; init; }
        public string? PayloadHash { get; init; }
        public string? Result { get; init; }
    }

    private const string SelectHead = $"SELECT {HeadColumns} FROM book_head h WHERE h.book_id = @BookId";

    public static Task<HeadRow?> ReadHeadAsync(DbConnection connection, DbTransaction? transaction, long bookId, CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync<HeadRow>(new CommandDefinition(SelectHead, new { BookId = bookId }, transaction,
            cancellationToken: cancellationToken));

    private const string SelectHeader = """
        SELECT b.id AS Id, b.createdBy AS CreatedBy, b.createdAt AS CreatedAt, h.lastEditedBy AS LastEditedBy, h.lastEditedAt AS LastEditedAt
        FROM book_head h JOIN book b ON b.id = h.book_id WHERE h.book_id = @BookId
        """;

    // Who made and last edited the book (a plain read of the book row: it never waits for a checkpoint).
    public static Task<BookHeader?> ReadHeaderAsync(DbConnection connection, DbTransaction? transaction, long bookId, CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync<BookHeader>(new CommandDefinition(SelectHeader, new { BookId = bookId }, transaction,
            cancellationToken: cancellationToken));

    private const string SelectCheckpoint = """
        SELECT id AS Id, name AS Name, remark AS Remark, wallets AS Wallets, bills AS Bills, transfers AS Transfers,
               incomes AS Incomes, checkpointVersion AS CheckpointVersion, nextWalletId AS NextWalletId, nextBillId AS NextBillId,
               nextTransferId AS NextTransferId, nextIncomeId AS NextIncomeId
        FROM book WHERE id = @BookId
        """;

    public static Task<CheckpointRow?> ReadCheckpointAsync(DbConnection connection, DbTransaction? transaction, long bookId,
        CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync<CheckpointRow>(new CommandDefinition(SelectCheckpoint, new { BookId = bookId }, transaction,
            cancellationToken: cancellationToken));

    private const string InsertBook = """
        INSERT INTO book (name, remark, wallets, bills, transfers, incomes, createdBy, createdAt, lastEditedBy, lastEditedAt,
                          version, checkpointVersion, nextWalletId, nextBillId, nextTransferId, nextIncomeId)
        VALUES (@Name, @Remark, @Wallets, @Bills, @Transfers, @Incomes, @Username, @Now, @Username, @Now,
                @Version, @Version, @NextWalletId, @NextBillId, @NextTransferId, @NextIncomeId);
        SELECT LAST_INSERT_ID();
        """;

    private const string InsertHead = """
        INSERT INTO book_head (book_id, version, name, remark, lastEditedBy, lastEditedAt, nextWalletId, nextBillId, nextTransferId, nextIncomeId)
        VALUES (@BookId, @Version, @Name, @Remark, @Username, @Now, @NextWalletId, @NextBillId, @NextTransferId, @NextIncomeId)
        """;

    // A new book is written whole: its first checkpoint is its creation.
    public static async Task<long> InsertAsync(DbConnection connection, DbTransaction transaction, BookState state, string username, long now,
        CancellationToken cancellationToken)
    {
        var json = BookJson.WriteCollections(state);
        var bookId = await connection.ExecuteScalarAsync<long>(new CommandDefinition(InsertBook, new
        {
            state.Name, state.Remark, json.Wallets, json.Bills, json.Transfers, json.Incomes, Username = username, Now = now, state.Version,
            NextWalletId = state.NextIds.Wallets, NextBillId = state.NextIds.Bills, NextTransferId = state.NextIds.Transfers,
            NextIncomeId = state.NextIds.Incomes,
        }, transaction, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition(InsertHead, HeadParameters(bookId, state, username, now), transaction,
            cancellationToken: cancellationToken));
        return bookId;
    }

    public const string UpdateHead = """
        UPDATE book_head SET version = @Version, name = @Name, remark = @Remark, lastEditedBy = @Username, lastEditedAt = @Now,
               nextWalletId = @NextWalletId, nextBillId = @NextBillId, nextTransferId = @NextTransferId, nextIncomeId = @NextIncomeId
        WHERE book_id = @BookId
        """;

    // The head row's lock alone, for a batch that sends its writes with it (BookWriter's one-round-trip sync).
    public const string LockHeadRow = "SELECT version FROM book_head WHERE book_id = @BookId FOR UPDATE";

    public static object HeadParameters(long bookId, BookState state, string username, long now) => new
    {
        BookId = bookId, state.Version, state.Name, state.Remark, Username = username, Now = now,
        NextWalletId = state.NextIds.Wallets, NextBillId = state.NextIds.Bills, NextTransferId = state.NextIds.Transfers,
        NextIncomeId = state.NextIds.Incomes,
    };

    // The first statement decides (a checkpoint only ever moves forward) and locks the row; the collections follow
    // one statement each, so no statement carries more than one collection (max_allowed_packet).
    private const string UpdateCheckpoint = """
        UPDATE book SET checkpointVersion = @Version, version = @Version, name = @Name, remark = @Remark, lastEditedBy = @Username,
               lastEditedAt = @Now, nextWalletId = @NextWalletId, nextBillId = @NextBillId, nextTransferId = @NextTransferId,
               nextIncomeId = @NextIncomeId, wallets = @Json
        WHERE id = @BookId AND checkpointVersion < @Version
        """;

    private const string UpdateBills = "UPDATE book SET bills = @Json WHERE id = @BookId";
    private const string UpdateTransfers = "UPDATE book SET transfers = @Json WHERE id = @BookId";
    private const string UpdateIncomes = "UPDATE book SET incomes = @Json WHERE id = @BookId";

    // Writes the book's records as of state.Version into the book row, unless a checkpoint as new or newer is
    // there already. Returns the JSON bytes written, or null when it was not newer. One transaction: a crash
    // leaves the previous checkpoint, whose log rows are all still there.
    public async Task<long?> WriteCheckpointAsync(long bookId, BookState state, string lastEditedBy, long lastEditedAt,
        CancellationToken cancellationToken)
    {
        var json = BookJson.WriteCollections(state);
        // Long work: a checkpoint rewrites every record of the book (its own pool, CommandTimeoutSeconds).
        await using var connection = await connections.OpenForLongWorkAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var first = new DynamicParameters(HeadParameters(bookId, state, lastEditedBy, lastEditedAt));
        first.Add("Json", json.Wallets);
        if (await connection.ExecuteAsync(new CommandDefinition(UpdateCheckpoint, first, transaction, cancellationToken: cancellationToken)) == 0)
        {
            return null;
        }
        foreach (var (sql, value) in new[] { (UpdateBills, json.Bills), (UpdateTransfers, json.Transfers), (UpdateIncomes, json.Incomes) })
        {
            await connection.ExecuteAsync(new CommandDefinition(sql, new { BookId = bookId, Json = value }, transaction, cancellationToken: cancellationToken));
        }
        await transaction.CommitAsync(cancellationToken);
        return json.Bytes;
    }

    private const string SelectCheckpointVersion = "SELECT checkpointVersion FROM book WHERE id = @BookId";

    public async Task<long?> CheckpointVersionAsync(long bookId, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<long?>(new CommandDefinition(SelectCheckpointVersion, new { BookId = bookId },
            cancellationToken: cancellationToken));
    }

    private const string SelectVersions = "SELECT book_id AS BookId, version AS Version FROM book_head WHERE book_id IN @BookIds";

    // The stored version of each of these books, in one query; a deleted book is missing from the answer.
    public async Task<Dictionary<long, long>> VersionsAsync(IReadOnlyCollection<long> bookIds, CancellationToken cancellationToken)
    {
        if (bookIds.Count == 0) return [];
        await using var connection = await connections.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<(long BookId, long Version)>(new CommandDefinition(SelectVersions, new { BookIds = bookIds },
            cancellationToken: cancellationToken));
        return rows.ToDictionary(r => r.BookId, r => r.Version);
    }

    private const string SelectBooksOfUser = """
        SELECT h.book_id AS Id, h.name AS Name, m.role AS Role, h.version AS Version
        FROM book_member m JOIN book_head h ON h.book_id = m.book_id
        WHERE m.user_id = @UserId
        ORDER BY h.book_id
        """;

    public async Task<IReadOnlyList<BookListItem>> ListForUserAsync(long userId, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<BookListItem>(new CommandDefinition(SelectBooksOfUser, new { UserId = userId },
            cancellationToken: cancellationToken));
        return rows.AsList();
    }

    private const string DeleteBook = "DELETE FROM book WHERE id = @BookId";

    // The head, members, change log and receipts go with it (ON DELETE CASCADE).
    public static async Task<bool> DeleteAsync(DbConnection connection, long bookId, CancellationToken cancellationToken) =>
        await connection.ExecuteAsync(new CommandDefinition(DeleteBook, new { BookId = bookId }, cancellationToken: cancellationToken)) > 0;
}

// The book_head row: what is current about a book apart from its records.
internal sealed class HeadRow
{
    public long BookId { get; init; }
    public long Version { get; init; }
    public string Name { get; init; } = "";
    public string? Remark { get; init; }
    public string LastEditedBy { get; init; } = "";
    public long LastEditedAt { get; init; }
    public long NextWalletId { get; init; }
    public long NextBillId { get; init; }
    public long NextTransferId { get; init; }
    public long NextIncomeId { get; init; }

    public ByCollection<long> NextIds => new(NextWalletId, NextBillId, NextTransferId, NextIncomeId);
}

// The book row as a checkpoint.
internal sealed class CheckpointRow
{
    public long Id { get; init; }
    public string Name { get; init; } = "";
    public string? Remark { get; init; }
    public string Wallets { get; init; } = "[]";
    public string Bills { get; init; } = "[]";
    public string Transfers { get; init; } = "[]";
    public string Incomes { get; init; } = "[]";
    public long CheckpointVersion { get; init; }
    public long NextWalletId { get; init; }
    public long NextBillId { get; init; }
    public long NextTransferId { get; init; }
    public long NextIncomeId { get; init; }
}

internal sealed class ReceiptRow
{
    public string SyncId { get; init; } = "";
    public string PayloadHash { get; init; } = "";
    public string Result { get; init; } = "";
}

// The locked head, the roles of the batch's users, and the receipts of its syncIds seen before.
internal sealed record SyncStart(HeadRow Head, IReadOnlyDictionary<long, string> Roles, IReadOnlyDictionary<string, ReceiptRow> Receipts);
