using System.Data.Common;
using System.Net;
using Dapper;

namespace BillHolder.Tests.Infrastructure;

// What the driver sends: nulls as SQL NULL, and no silent user variables for a misspelt parameter.
public sealed class DatabaseDriverTests(BillHolderServer server) : IClassFixture<BillHolderServer>
{
    [Fact]
    public async Task BookCreatedWithoutRemark_StoresSqlNull()
    {
        var user = await server.NewUserAsync();
        var book = await (await user.Http.PostJsonAsync("/api/books", new { name = "Nulls", remark = (string?)null })).ReadJsonAsync(HttpStatusCode.Created);

        await using var connection = await server.Database.Connections().OpenAsync(CancellationToken.None);
        var nulls = await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM book WHERE id = @Id AND remark IS NULL",
            new { Id = book.GetProperty("id").GetInt64() });
        Assert.Equal(1, nulls);
    }

    [Fact]
    public async Task StatementWithAMissingParameter_Fails()
    {
        await using var connection = await server.Database.Connections().OpenAsync(CancellationToken.None);
        await Assert.ThrowsAnyAsync<DbException>(() => connection.ExecuteScalarAsync<object>("SELECT @Missing"));
    }
}
