using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BillHolder.Tests.Infrastructure;

namespace BillHolder.Tests.Books;

public sealed class BooksTests(BillHolderServer server) : IClassFixture<BillHolderServer>
{
    [Fact]
    public async Task Create_Returns201WithSnapshotAtVersion1_AndCallerIsOwner()
    {
        var user = await server.NewUserAsync();
        var response = await user.Http.PostJsonAsync("/api/books", new { name = "Household", remark = "shared" });
        var book = await response.ReadJsonAsync(HttpStatusCode.Created);

        Assert.Equal("Household", book.GetProperty("name").GetString());
        Assert.Equal("shared", book.GetProperty("remark").GetString());
        Assert.Equal(1, book.GetProperty("version").GetInt64());
        Assert.Equal(user.Username, book.GetProperty("createdBy").GetString());
        Assert.Equal(0, book.GetProperty("wallets").GetArrayLength());
        Assert.Equal($"/api/books/{book.GetProperty("id").GetInt64()}", response.Headers.Location?.ToString());

        var list = await (await user.Http.GetAsync("/api/books")).ReadJsonAsync(HttpStatusCode.OK);
        var item = Assert.Single(list.EnumerateArray());
        Assert.Equal("owner", item.GetProperty("role").GetString());
        Assert.Equal(1, item.GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task Create_WithInitialContent_AssignsIdsAndBalances()
    {
        var user = await server.NewUserAsync();
        var book = await (await user.Http.PostJsonAsync("/api/books", new
        {
            name = "Offline",
            wallets = new[] { new { id = -1, status = 3, name = "Cash", openingBalance = 100 } },
            bills = new[] { new { id = -4, status = 3, walletId = -1, amount = 30, date = 1 } },
        })).ReadJsonAsync(HttpStatusCode.Created);

        Assert.Equal(1, book.GetProperty("version").GetInt64());
        Assert.Equal(70, book.GetProperty("wallets")[0].GetProperty("balance").GetInt64());
        Assert.Equal(1, book.GetProperty("idMap").GetProperty("wallets").GetProperty("-1").GetInt64());
        Assert.Equal(1, book.GetProperty("idMap").GetProperty("bills").GetProperty("-4").GetInt64());
    }

    // The wire shapes clients parse, member by member and in order, so a refactoring cannot reshape them.
    [Fact]
    public async Task CreationAnswerAndHistorySummary_KeepTheirShape()
    {
        var user = await server.NewUserAsync();
        var book = await (await user.Http.PostJsonAsync("/api/books", new { name = "Shape" })).ReadJsonAsync(HttpStatusCode.Created);
        Assert.Equal(["id", "name", "remark", "version", "wallets", "bills", "transfers", "incomes", "createdBy", "createdAt",
            "lastEditedBy", "lastEditedAt", "idMap"], book.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["wallets", "bills", "transfers", "incomes"], book.GetProperty("idMap").EnumerateObject().Select(p => p.Name));

        var history = await (await user.Http.GetAsync($"/api/books/{book.GetProperty("id").GetInt64()}/history")).ReadJsonAsync(HttpStatusCode.OK);
        var summary = history[0].GetProperty("summary");
        Assert.Equal(["wallets", "bills", "transfers", "incomes", "bookChanged"], summary.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["new", "modified", "deleted"], summary.GetProperty("bills").EnumerateObject().Select(p => p.Name));
    }

    [Theory]
    [InlineData("{}", "name")]
    [InlineData("{\"name\":\"\"}", "name")]
    [InlineData("{\"name\":\"seventeen-chars!!\"}", "name")]
    [InlineData("{\"name\":\"ok\",\"remark\":7}", "remark")]
    [InlineData("{\"name\":\"ok\",\"bills\":[{\"id\":-1,\"status\":1,\"walletId\":1,\"amount\":1,\"date\":1}]}", "bills[0].status")]
    public async Task Create_Invalid_Returns422WithErrorPaths(string json, string key)
    {
        var user = await server.NewUserAsync();
        var problem = await (await user.Http.PostRawAsync("/api/books", json)).ProblemAsync(HttpStatusCode.UnprocessableEntity, "validation_failed");
        Assert.Contains(key, problem.ErrorKeys());
    }

    [Fact]
    public async Task Create_WithReferenceToMissingWallet_Returns409UnknownWallet()
    {
        var user = await server.NewUserAsync();
        var problem = await (await user.Http.PostJsonAsync("/api/books", new
        {
            name = "Broken",
            bills = new[] { new { id = -1, status = 3, walletId = 5, amount = 1, date = 1 } },
        })).ProblemAsync(HttpStatusCode.Conflict, "unknown_wallet");
        Assert.Equal(["bills[0].walletId"], problem.ErrorKeys());
        Assert.Empty((await (await user.Http.GetAsync("/api/books")).ReadJsonAsync(HttpStatusCode.OK)).EnumerateArray());
    }

    [Fact]
    public async Task Get_ReturnsTheSnapshotFields()
    {
        var user = await server.NewUserAsync();
        var id = await user.CreateBookAsync("Snap");
        var book = await (await user.Http.GetAsync($"/api/books/{id}")).ReadJsonAsync(HttpStatusCode.OK);
        string[] fields = ["id", "name", "remark", "version", "wallets", "bills", "transfers", "incomes", "createdBy", "createdAt", "lastEditedBy", "lastEditedAt"];
        Assert.All(fields, f => Assert.True(book.TryGetProperty(f, out _), f));
    }

    [Fact]
    public async Task Patch_ChangesNameAndRemark_AndRaisesTheVersion()
    {
        var user = await server.NewUserAsync();
        var id = await user.CreateBookAsync("Before");
        var patched = await (await user.Http.PatchAsJsonAsync($"/api/books/{id}", new { name = "After", remark = "note" })).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal("After", patched.GetProperty("name").GetString());
        Assert.Equal("note", patched.GetProperty("remark").GetString());
        Assert.Equal(2, patched.GetProperty("version").GetInt64());

        // Clearing the remark with an explicit null; the name stays.
        var cleared = await (await user.Http.PatchAsync($"/api/books/{id}", Json("{\"remark\":null}"))).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal("After", cleared.GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.Null, cleared.GetProperty("remark").ValueKind);
        Assert.Equal(3, cleared.GetProperty("version").GetInt64());

        var invalid = await user.Http.PatchAsync($"/api/books/{id}", Json("{\"name\":\"\"}"));
        Assert.Equal(["name"], (await invalid.ProblemAsync(HttpStatusCode.UnprocessableEntity, "validation_failed")).ErrorKeys());
    }

    [Fact]
    public async Task Delete_RemovesTheBook()
    {
        var user = await server.NewUserAsync();
        var id = await user.CreateBookAsync("Gone");
        Assert.Equal(HttpStatusCode.NoContent, (await user.Http.DeleteAsync($"/api/books/{id}")).StatusCode);
        await (await user.Http.GetAsync($"/api/books/{id}")).ProblemAsync(HttpStatusCode.NotFound, "book_not_found");
        Assert.Empty((await (await user.Http.GetAsync("/api/books")).ReadJsonAsync(HttpStatusCode.OK)).EnumerateArray());
    }

    private static StringContent Json(string json) => new(json, System.Text.Encoding.UTF8, "application/json");
}
