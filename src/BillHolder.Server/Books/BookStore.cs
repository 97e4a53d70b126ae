using System.Data.Common;
using BillHolder.Server.Infrastructure.Database;
using BillHolder.Server.Sync;
using Dapper;

namespace BillHolder.Server.Books;

// The book table. Methods that take a transaction are building blocks of the sync transaction.
internal sealed class BookStore(DbConnectionFactory connections)
{
    private const string BookColumns = """
        id AS Id, name AS Name, remark AS Remark, wallets AS Wallets, bills AS Bills, transfers AS Transfers,
        incomes AS Incomes, createdBy AS CreatedBy, createdAt AS CreatedAt, lastEditedBy AS LastEditedBy,
        lastEditedAt AS LastEditedAt, version AS Version, nextWalletId AS NextWalletId, nextBillId AS NextBillId,
        nextTransferId AS NextTransferId, nextIncomeId AS NextIncomeId
        """;

    private const string SelectBook = $"SELECT {BookColumns} FROM book WHERE id = @BookId";

    public async Task<BookRow?> ReadAsync(long bookId, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        return await ReadAsync(connection, null, bookId, cancellationToken);
    }

    public static Task<BookRow?> ReadAsync(DbConnection connection, DbTransaction? transaction, long bookId, CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync<BookRow>(new CommandDefinition(SelectBook, new { BookId = bookId }, transaction,
            cancellationToken: cancellationToken));

    // Takes the row lock that serializes syncs of one book across server processes.
    private const string LockBook = "SELECT version FROM book WHERE id = @BookId FOR UPDATE";

    public static Task<long?> LockAsync(DbConnection connection, DbTransaction transaction, long bookId, CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync<long?>(new CommandDefinition(LockBook, new { BookId = bookId }, transaction,
            cancellationToken: cancellationToken));

    private const string SelectHeader = """
        SELECT id AS Id, createdBy AS CreatedBy, createdAt AS CreatedAt, lastEditedBy AS LastEditedBy, lastEditedAt AS LastEditedAt
        FROM book WHERE id = @BookId
        """;

    public static Task<BookHeader> ReadHeaderAsync(DbConnection connection, DbTransaction transaction, long bookId, CancellationToken cancellationToken) =>
        connection.QuerySingleAsync<BookHeader>(new CommandDefinition(SelectHeader, new { BookId = bookId }, transaction,
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

    private const string UpdateBook = """
        UPDATE book SET name = @Name, remark = @Remark, wallets = @Wallets, bills = @Bills, transfers = @Transfers,
                        incomes = @Incomes, lastEditedBy = @Username, lastEditedAt = @Now, version = @Version,
                        nextWalletId = @NextWalletId, nextBillId = @NextBillId, nextTransferId = @NextTransferId,
                        nextIncomeId = @NextIncomeId
        WHERE id = @BookId
        """;

    public static Task SaveAsync(DbConnection connection, DbTransaction transaction, long bookId, BookState state, string username, long now,
        CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters(StateParameters(state, username, now));
        parameters.Add("BookId", bookId);
        return connection.ExecuteAsync(new CommandDefinition(UpdateBook, parameters, transaction, cancellationToken: cancellationToken));
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
        state.NextWalletId,
        state.NextBillId,
        state.NextTransferId,
        state.NextIncomeId,
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
    public async Task<bool> DeleteAsync(long bookId, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(DeleteBook, new { BookId = bookId }, cancellationToken: cancellationToken)) > 0;
    }
}

internal sealed record BookListItem(long Id, string Name, string Role, long Version);
