using System.Net;
using BillHolder.Tests.Infrastructure;

namespace BillHolder.Tests.Books;

// A key sent twice is refused, naming it (security review S12): with its JSON path in the bodies checked field by
// field, as malformed in the fixed-shape ones. Bodies are raw text: no serializer writes a duplicate.
public sealed class DuplicateKeyTests(BillHolderServer server) : IClassFixture<BillHolderServer>
{
    [Fact]
    public async Task Sync_WithADuplicateKey_Is422AtItsPath_AndAppliesNothing()
    {
        var user = await server.NewUserAsync();
        var bookId = await user.CreateB0Async();
        var body = """{"syncId":"dup-1","bills":[{"id":-1,"status":3,"walletId":1,"amount":1,"amount":999,"date":1}]}""";

        var problem = await (await user.Http.PostRawAsync($"/api/books/{bookId}/sync", body))
            .ProblemAsync(HttpStatusCode.UnprocessableEntity, "validation_failed");

        Assert.Equal(["bills[0].amount"], problem.ErrorKeys());
        Assert.Contains("duplicate key 'amount'", problem.GetProperty("errors").GetProperty("bills[0].amount")[0].GetString());
        Assert.Equal(1, (await user.BookAsync(bookId)).GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task Sync_WithADuplicateTopLevelOrBookKey_NamesEach()
    {
        var user = await server.NewUserAsync();
        var bookId = await user.CreateB0Async();
        var body = """{"syncId":"a","syncId":"b","book":{"name":"x","name":"y"},"unknown":{"k":1,"k":2}}""";

        var problem = await (await user.Http.PostRawAsync($"/api/books/{bookId}/sync", body))
            .ProblemAsync(HttpStatusCode.UnprocessableEntity, "validation_failed");

        Assert.Equal(["book.name", "syncId", "unknown.k"], problem.ErrorKeys());
    }

    [Fact]
    public async Task BookCreationAndRename_WithADuplicateKey_Are422AtItsPath()
    {
        var user = await server.NewUserAsync();
        var created = await user.Http.PostRawAsync("/api/books", """{"name":"A","wallets":[{"id":-1,"status":3,"name":"W","name":"V"}]}""");
        Assert.Equal(["wallets[0].name"], (await created.ProblemAsync(HttpStatusCode.UnprocessableEntity, "validation_failed")).ErrorKeys());

        var bookId = await user.CreateBookAsync("Kept");
        var patch = new HttpRequestMessage(HttpMethod.Patch, $"/api/books/{bookId}")
        {
            Content = new StringContent("""{"name":"One","name":"Two"}""", System.Text.Encoding.UTF8, "application/json"),
        };
        Assert.Equal(["name"], (await (await user.Http.SendAsync(patch)).ProblemAsync(HttpStatusCode.UnprocessableEntity, "validation_failed")).ErrorKeys());
        Assert.Equal("Kept", (await user.BookAsync(bookId)).GetProperty("name").GetString());
    }

    [Fact]
    public async Task FixedShapeBodies_WithADuplicateKey_Are400Malformed()
    {
        var user = await server.NewUserAsync();
        var anonymous = server.Anonymous();
        var register = await (await anonymous.PostRawAsync("/api/auth/register", """{"username":"dupuser1","username":"dupuser2","password":"password123"}"""))
            .ProblemAsync(HttpStatusCode.BadRequest, "malformed_request");
        Assert.Contains("$.username", register.GetProperty("detail").GetString());
        await (await anonymous.PostRawAsync("/api/auth/login", $$"""{"username":"{{user.Username}}","password":"x","password":"correct-horse-battery"}"""))
            .ProblemAsync(HttpStatusCode.BadRequest, "malformed_request");

        var bookId = await user.CreateBookAsync("Shared");
        var other = await server.NewUserAsync();
        var put = await user.Http.PutAsync($"/api/books/{bookId}/members/{other.Username}",
            new StringContent("""{"role":"viewer","role":"owner"}""", System.Text.Encoding.UTF8, "application/json"));
        await put.ProblemAsync(HttpStatusCode.BadRequest, "malformed_request");
    }
}
