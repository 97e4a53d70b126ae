using System.Net;
using System.Net.Http.Json;
using BillHolder.Tests.Infrastructure;
using BillHolder.Tests.Realtime;
using static BillHolder.Tests.Accounts.SessionTestClient;

namespace BillHolder.Tests.Accounts;

public sealed class AccountDeletionTests(BillHolderServer server) : IClassFixture<BillHolderServer>
{
    private static Task<HttpResponseMessage> DeleteMeAsync(UserClient user, string password = UserClient.Password) =>
        user.Http.SendJsonAsync(HttpMethod.Delete, "/api/me", new { password });

    [Fact]
    public async Task DeletingTheAccount_DeletesBooksItAloneBelongedTo_ThroughTheNormalDeletion()
    {
        var alice = await server.NewUserAsync("alice");
        var book = await alice.CreateSharedBookAsync();
        var phone = await server.LoginAsync(alice.Username);
        await using var hub = await server.ConnectAsync(alice with { Token = phone.Access() });
        await hub.OpenBookAsync(book.Id);

        Assert.Equal(HttpStatusCode.NoContent, (await DeleteMeAsync(alice)).StatusCode);

        // The deletion pushes BookClosed and the revocation closes the connection; which reaches the client first
        // is a race between two queues, so either order is right, but a BookClosed that arrives must be this one.
        await hub.Disconnected.WaitAsync(TestHubConnection.Patience);
        if (hub.TryTakeClosed(out var closed)) Assert.Equal((book.Id, "book_deleted"), closed);
        Assert.Equal(HttpStatusCode.Unauthorized, await server.MeStatusAsync(alice.Token));
        await (await server.RefreshAsync(alice.RefreshToken)).ProblemAsync(HttpStatusCode.Unauthorized, "invalid_refresh_token");
        await (await server.Anonymous().PostJsonAsync("/api/auth/login", new { username = alice.Username, password = UserClient.Password }))
            .ProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        // Gone from the database, not just from her list.
        await using var connection = await server.Database.Connections().OpenAsync(CancellationToken.None);
        Assert.Equal(0, await Dapper.SqlMapper.ExecuteScalarAsync<long>(connection, "SELECT COUNT(*) FROM book WHERE id = @Id", new { Id = book.Id }));
    }

    [Fact]
    public async Task ADeletedUsername_StaysTaken()
    {
        var alice = await server.NewUserAsync("alice");
        await DeleteMeAsync(alice);
        await (await server.Anonymous().PostJsonAsync("/api/auth/register", new { username = alice.Username, password = "password123" }))
            .ProblemAsync(HttpStatusCode.Conflict, "username_taken");
        var bob = await server.NewUserAsync("bob");
        var book = await bob.CreateBookAsync("B");
        await (await bob.Http.PutAsJsonAsync($"/api/books/{book}/members/{alice.Username}", new { role = "editor" }))
            .ProblemAsync(HttpStatusCode.NotFound, "user_not_found");
    }

    [Fact]
    public async Task TheOnlyOwnerOfASharedBook_Gets409WithTheBooks_AndNothingIsDeleted()
    {
        var alice = await server.NewUserAsync("alice");
        var bob = await server.NewUserAsync("bob");
        var shared = await alice.CreateSharedBookAsync(bob);
        var own = await alice.CreateSharedBookAsync();

        var problem = await (await DeleteMeAsync(alice)).ProblemAsync(HttpStatusCode.Conflict, "last_owner");
        var books = problem.GetProperty("books").EnumerateArray().ToList();
        Assert.Single(books);
        Assert.Equal(shared.Id, books[0].GetProperty("id").GetInt64());
        Assert.Equal("Shared", books[0].GetProperty("name").GetString());

        Assert.Equal(HttpStatusCode.OK, await server.MeStatusAsync(alice.Token));
        await alice.BookAsync(own.Id);
        await bob.BookAsync(shared.Id);
    }

    [Fact]
    public async Task AMemberWhoLeavesByDeletion_IsRemovedFromSharedBooks()
    {
        var alice = await server.NewUserAsync("alice");
        var bob = await server.NewUserAsync("bob");
        var shared = await alice.CreateSharedBookAsync(bob);
        Assert.Equal(HttpStatusCode.NoContent, (await DeleteMeAsync(bob)).StatusCode);
        var members = await (await alice.Http.GetAsync($"/api/books/{shared.Id}/members")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal([alice.Username], members.EnumerateArray().Select(m => m.GetProperty("username").GetString()));
    }

    [Fact]
    public async Task TwoOwnersLeavingAtOnce_CannotLeaveABookOwnerless()
    {
        var alice = await server.NewUserAsync("alice");
        var bob = await server.NewUserAsync("bob");
        var carol = await server.NewUserAsync("carol");
        var book = await alice.CreateSharedBookAsync(carol);
        await alice.SetRoleAsync(book.Id, bob.Username, "owner");

        var answers = await Task.WhenAll(Task.Run(() => DeleteMeAsync(alice)), Task.Run(() => DeleteMeAsync(bob)));

        Assert.Single(answers, a => a.StatusCode == HttpStatusCode.NoContent);
        await answers.Single(a => a.StatusCode != HttpStatusCode.NoContent).ProblemAsync(HttpStatusCode.Conflict, "last_owner");
        var survivor = answers[0].StatusCode == HttpStatusCode.NoContent ? bob : alice;
        var members = await (await survivor.Http.GetAsync($"/api/books/{book.Id}/members")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Contains(members.EnumerateArray(), m => m.GetProperty("role").GetString() == "owner");
    }

    [Fact]
    public async Task DeletingWithAWrongPassword_Returns403_AndKeepsTheAccount()
    {
        var alice = await server.NewUserAsync("alice");
        await (await DeleteMeAsync(alice, "wrong-password")).ProblemAsync(HttpStatusCode.Forbidden, "invalid_credentials");
        Assert.Equal(HttpStatusCode.OK, await server.MeStatusAsync(alice.Token));
    }
}
