using System.Collections.Immutable;
using System.Data.Common;
using BillHolder.Server.Books.Engine;
using BillHolder.Server.Infrastructure.Database;
using Dapper;

namespace BillHolder.Server.Books.Storage;

// The book table. Methods that take a transaction are building blocks of the sync transaction.
internal sealed class BookStore(DbConnectionFactory connections)
{
    private const string BookColumns = """
        id AS Id, name AS Name, remark AS Remark, wallets AS Wallets, bills AS Bills, transfers AS Transfers,
        incomes AS Incomes, createdBy AS CreatedBy, createdAt AS CreatedAt, lastEditedBy AS LastEditedBy,
        lastEditedAt AS LastEditedAt, version AS Version, nextWalletId AS NextWalletId, nextBillId AS NextBillId,
        nextTransferId AS NextTransferId, nextIncomeId AS NextIncomeId
        """;

    // One round trip at the start of a sync: takes the book row lock (serializing syncs across server
    // processes) and brings the caller's role and any receipt for this syncId along with it.
    private const string LockForSync = """
        SELECT b.version AS Version, m.role AS Role, r.payload_hash AS PayloadHash, r.result AS Result
        FROM book b
        LEFT JOIN book_member m ON m.book_id = b.id AND m.user_id = @UserId
        LEFT JOIN sync_receipt r ON r.book_id = b.id AND r.sync_id = @SyncId
        WHERE b.id = @BookId
        FOR UPDATE
        """;

    public static Task<SyncStart?> LockForSyncAsync(DbConnection connection, DbTransaction transaction, long bookId, long userId,
        string syncId, CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync<SyncStart>(new CommandDefinition(LockForSync,
            new { BookId = bookId, UserId = userId, SyncId = syncId }, transaction, cancellationToken: cancellationToken));

    private const string SelectBook = $"SELECT {BookColumns} FROM book WHERE id = @BookId";

    public static Task<BookRow?> ReadAsync(DbConnection connection, DbTransaction? transaction, long bookId, CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync<BookRow>(new CommandDefinition(SelectBook, new { BookId = bookId }, transaction,
            cancellationToken: cancellationToken));

    private const string SelectHead = """
        SELECT id AS Id, createdBy AS CreatedBy, createdAt AS CreatedAt, lastEditedBy AS LastEditedBy, lastEditedAt AS LastEditedAt,
               version AS Version
        FROM book WHERE id = @BookId
        """;

    // Who made and last edited the book, and its version: enough to serve it from the parsed-book cache.
    public static Task<BookHead?> ReadHeadAsync(DbConnection connection, long bookId, CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync<BookHead>(new CommandDefinition(SelectHead, new { BookId = bookId },
            cancellationToken: cancellationToken));

    private const string SelectVersion = "SELECT version FROM book WHERE id = @BookId";

    public static Task<long?> VersionAsync(DbConnection connection, DbTransaction transaction, long bookId, CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync<long?>(new CommandDefinition(SelectVersion, new { BookId = bookId }, transaction,
            cancellationToken: cancellationToken));

    private const string InsertBook = """
        INSERT INTO book (name, remark, wallets, bills, transfers, incomes, createdBy, createdAt, lastEditedBy, lastEditedAt,
                          version, nextWalletId, nextBillId, nextTransferId, nextIncomeId)
        VALUES (@Name, @Remark, @Wallets, @Bills, @Transfers, @Incomes, @Username, @Now, @Username, @Now,
                @Version, @NextWalletId, @NextBillId, @NextTransferId, @NextIncomeId);
        SELECT LAST_INSERT_ID();
        """;

    public static Task<long> InsertAsync(DbConnection connection, DbTransaction transaction, BookState state, string username, long now,
        CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<long>(new CommandDefinition(InsertBook, StateParameters(state, username, now), transaction,
            cancellationToken: cancellationToken));

    private const string UpdateBookHead = """
        UPDATE book SET name = @Name, remark = @Remark, lastEditedBy = @Username, lastEditedAt = @Now, version = @Version,
                        nextWalletId = @NextWalletId, nextBillId = @NextBillId, nextTransferId = @NextTransferId,
                        nextIncomeId = @NextIncomeId
        """;

    private const string SetWallets = ", wallets = @Wallets";
    private const string SetBills = ", bills = @Bills";
    private const string SetTransfers = ", transfers = @Transfers";
    private const string SetIncomes = ", incomes = @Incomes";
    private const string WhereBook = " WHERE id = @BookId";

    // Rewrites only the collections the sync touched: the engine hands back the very same immutable
    // collection when nothing in it changed, and serializing a big untouched array is the dominant cost.
    // The statement is assembled from the constant fragments above; values are always parameters.
    public static Task SaveAsync(DbConnection connection, DbTransaction transaction, long bookId, BookState before, BookState after,
        string username, long now, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters(new
        {
            BookId = bookId,
            after.Name,
            after.Remark,
            Username = username,
            Now = now,
            after.Version,
            NextWalletId = after.NextIds.Wallets,
            NextBillId = after.NextIds.Bills,
            NextTransferId = after.NextIds.Transfers,
            NextIncomeId = after.NextIds.Incomes,
        });
        var sql = new System.Text.StringBuilder(UpdateBookHead);
        void SetIfChanged<T>(object beforeRecords, ImmutableSortedDictionary<long, T> afterRecords, string fragment, string name)
        {
            if (ReferenceEquals(beforeRecords, afterRecords)) return;
            sql.Append(fragment);
            parameters.Add(name, BookJson.Write(afterRecords.Values));
        }
        SetIfChanged(before.Wallets, after.Wallets, SetWallets, "Wallets");
        SetIfChanged(before.Bills, after.Bills, SetBills, "Bills");
        SetIfChanged(before.Transfers, after.Transfers, SetTransfers, "Transfers");
        SetIfChanged(before.Incomes, after.Incomes, SetIncomes, "Incomes");
        sql.Append(WhereBook);
        return connection.ExecuteAsync(new CommandDefinition(sql.ToString(), parameters, transaction, cancellationToken: cancellationToken));
    }

    private static object StateParameters(BookState state, string username, long now) => new
    {
        state.Name,
        state.Remark,
        Wallets = BookJson.Write(state.Wallets.Values),
        Bills = BookJson.Write(state.Bills.Values),
        Transfers = BookJson.Write(state.Transfers.Values),
        Incomes = BookJson.Write(state.Incomes.Values),
        Username = username,
        Now = now,
        state.Version,
        NextWalletId = state.NextIds.Wallets,
        NextBillId = state.NextIds.Bills,
        NextTransferId = state.NextIds.Transfers,
        NextIncomeId = state.NextIds.Incomes,
    };

    private const string SelectBooksOfUser = """
        SELECT b.id AS Id, b.name AS Name, m.role AS Role, b.version AS Version
        FROM book_member m JOIN book b ON b.id = m.book_id
        WHERE m.user_id = @UserId
        ORDER BY b.id
        """;

    public async Task<IReadOnlyList<BookListItem>> ListForUserAsync(long userId, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<BookListItem>(new CommandDefinition(SelectBooksOfUser, new { UserId = userId },
            cancellationToken: cancellationToken));
        return rows.AsList();
    }

    private const string DeleteBook = "DELETE FROM book WHERE id = @BookId";

    // The members, change log and receipts go with it (ON DELETE CASCADE).
    public static async Task<bool> DeleteAsync(DbConnection connection, long bookId, CancellationToken cancellationToken) =>
        await connection.ExecuteAsync(new CommandDefinition(DeleteBook, new { BookId = bookId }, cancellationToken: cancellationToken)) > 0;
}

internal sealed record BookHead(long Id, string CreatedBy, long CreatedAt, string LastEditedBy, long LastEditedAt, long Version)
{
    public BookHeader Header => new(Id, CreatedBy, CreatedAt, LastEditedBy, LastEditedAt);
}

// The locked book row's version, the caller's role in it, and the receipt of this syncId if it was seen before.
internal sealed class SyncStart
{
    public long Version { get; init; }
    public string? Role { get; init; }
    public string? PayloadHash { get; init; }
    public string? Result { get; init; }
}
