using System.Net;
using System.Net.Http.Json;
using BillHolder.Server.Books.Storage;
using BillHolder.Tests.Infrastructure;
using BillHolder.Tests.Realtime;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using static BillHolder.Tests.Infrastructure.TestClient;

namespace BillHolder.Tests.Books;

public sealed class InviteTests(BillHolderServer server) : IClassFixture<BillHolderServer>
{
    private static async Task<System.Text.Json.JsonElement> InviteAsync(UserClient owner, long bookId, object body) =>
        await (await owner.Http.PostAsJsonAsync($"/api/books/{bookId}/invites", body)).ReadJsonAsync(HttpStatusCode.Created);

    private static Task<HttpResponseMessage> AcceptAsync(UserClient user, string code) =>
        user.Http.PostAsJsonAsync("/api/invites/accept", new { code });

    [Fact]
    public async Task AnInvite_MakesItsAccepterAMember_WhoShowsInPresenceWhenTheyOpenTheBook()
    {
        var alice = await server.NewUserAsync("alice");
        var bob = await server.NewUserAsync("bob");
        var book = await alice.CreateSharedBookAsync();
        await using var aliceHub = await server.ConnectAsync(alice);
        await aliceHub.OpenBookAsync(book.Id);
        await aliceHub.PresenceUntilAsync(book.Id, alice.Username);

        var invite = await InviteAsync(alice, book.Id, new { role = "editor" });
        Assert.Equal("editor", invite.GetProperty("role").GetString());
        Assert.Equal(1, invite.GetProperty("maxUses").GetInt32());
        Assert.Equal(0, invite.GetProperty("uses").GetInt32());
        Assert.InRange(invite.GetProperty("expiresAt").GetDateTimeOffset(), DateTimeOffset.UtcNow.AddHours(71), DateTimeOffset.UtcNow.AddHours(73));
        var code = invite.GetProperty("code").GetString()!;

        var accepted = await (await AcceptAsync(bob, code)).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(book.Id, accepted.GetProperty("bookId").GetInt64());
        Assert.Equal("editor", accepted.GetProperty("role").GetString());

        await using var bobHub = await server.ConnectAsync(bob);
        await bobHub.OpenBookAsync(book.Id);
        await aliceHub.PresenceUntilAsync(book.Id, alice.Username, bob.Username);
        await bobHub.SyncAsync(book.Id, NewBill("bob-joined", book.WalletId, 7));
        Assert.Equal(2, (await aliceHub.NextChangeAsync()).GetProperty("toVersion").GetInt64());

        // Used up: the next person is turned away; the list shows the use but never the code.
        var carol = await server.NewUserAsync("carol");
        await (await AcceptAsync(carol, code)).ProblemAsync(HttpStatusCode.NotFound, "invite_not_found");
        var listed = await (await alice.Http.GetAsync($"/api/books/{book.Id}/invites")).ReadJsonAsync(HttpStatusCode.OK);
        var only = Assert.Single(listed.EnumerateArray());
        Assert.Equal(1, only.GetProperty("uses").GetInt32());
        Assert.False(only.TryGetProperty("code", out _));
    }

    [Fact]
    public async Task AnExistingMember_KeepsTheirRole_AndUsesNothingUp()
    {
        var alice = await server.NewUserAsync("alice");
        var bob = await server.NewUserAsync("bob");
        var book = await alice.CreateSharedBookAsync(bob);
        var code = (await InviteAsync(alice, book.Id, new { role = "viewer" })).GetProperty("code").GetString()!;

        var accepted = await (await AcceptAsync(bob, code)).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal("editor", accepted.GetProperty("role").GetString());
        var carol = await server.NewUserAsync("carol");
        Assert.Equal("viewer", (await (await AcceptAsync(carol, code)).ReadJsonAsync(HttpStatusCode.OK)).GetProperty("role").GetString());
    }

    [Fact]
    public async Task AnUnlimitedInvite_TakesManyUsers_AndARevokedOneNoMore()
    {
        var alice = await server.NewUserAsync("alice");
        var book = await alice.CreateSharedBookAsync();
        var invite = await InviteAsync(alice, book.Id, new { role = "viewer", maxUses = (int?)null, expiresInHours = 1 });
        Assert.Equal(System.Text.Json.JsonValueKind.Null, invite.GetProperty("maxUses").ValueKind);
        var code = invite.GetProperty("code").GetString()!;
        for (var i = 0; i < 3; i++) await (await AcceptAsync(await server.NewUserAsync("guest"), code)).ReadJsonAsync(HttpStatusCode.OK);

        var id = invite.GetProperty("id").GetInt64();
        Assert.Equal(HttpStatusCode.NoContent, (await alice.Http.DeleteAsync($"/api/books/{book.Id}/invites/{id}")).StatusCode);
        await (await AcceptAsync(await server.NewUserAsync("late"), code)).ProblemAsync(HttpStatusCode.NotFound, "invite_not_found");
        await (await alice.Http.DeleteAsync($"/api/books/{book.Id}/invites/{id}")).ProblemAsync(HttpStatusCode.NotFound, "invite_not_found");
    }

    [Fact]
    public async Task AnExpiredInvite_OrAWrongCode_IsNotFound()
    {
        var alice = await server.NewUserAsync("alice");
        var book = await alice.CreateSharedBookAsync();
        var code = (await InviteAsync(alice, book.Id, new { role = "viewer" })).GetProperty("code").GetString()!;
        await using (var connection = await server.Database.Connections().OpenAsync(CancellationToken.None))
        {
            await Dapper.SqlMapper.ExecuteAsync(connection, "UPDATE book_invite SET expires_at = 1 WHERE book_id = @BookId", new { BookId = book.Id });
        }
        var bob = await server.NewUserAsync("bob");
        await (await AcceptAsync(bob, code)).ProblemAsync(HttpStatusCode.NotFound, "invite_not_found");
        await (await AcceptAsync(bob, "not-a-code")).ProblemAsync(HttpStatusCode.NotFound, "invite_not_found");
        await (await bob.Http.GetAsync($"/api/books/{book.Id}")).ProblemAsync(HttpStatusCode.NotFound, "book_not_found");
    }

    [Fact]
    public async Task OnlyOwnersManageInvites()
    {
        var alice = await server.NewUserAsync("alice");
        var bob = await server.NewUserAsync("bob");
        var book = await alice.CreateSharedBookAsync(bob);
        await (await bob.Http.PostAsJsonAsync($"/api/books/{book.Id}/invites", new { role = "viewer" })).ProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await bob.Http.GetAsync($"/api/books/{book.Id}/invites")).ProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        var stranger = await server.NewUserAsync("eve");
        await (await stranger.Http.PostAsJsonAsync($"/api/books/{book.Id}/invites", new { role = "viewer" })).ProblemAsync(HttpStatusCode.NotFound, "book_not_found");
    }

    [Theory]
    [InlineData("owner", 72, 1, "role")]
    [InlineData("editor", 721, 1, "expiresInHours")]
    [InlineData("viewer", 1, 0, "maxUses")]
    public async Task AnInvalidInvite_Returns422ByField(string role, int hours, int maxUses, string key)
    {
        var alice = await server.NewUserAsync("alice");
        var book = await alice.CreateBookAsync("B");
        var problem = await (await alice.Http.PostAsJsonAsync($"/api/books/{book}/invites", new { role, expiresInHours = hours, maxUses }))
            .ProblemAsync(HttpStatusCode.UnprocessableEntity, "validation_failed");
        Assert.Equal([key], problem.ErrorKeys());
    }

    [Fact]
    public async Task Accepting_IsRateLimited()
    {
        var bob = await server.NewUserAsync("bob");
        for (var i = 0; i < 10; i++) await (await AcceptAsync(bob, $"guess-{i}")).ProblemAsync(HttpStatusCode.NotFound, "invite_not_found");
        await (await AcceptAsync(bob, "guess-10")).ProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
    }

    [Fact]
    public async Task Prune_DeletesInvitesExpiredLongerThanTheRetention_AndKeepsTheOthersListed()
    {
        var alice = await server.NewUserAsync("alice");
        var book = await alice.CreateSharedBookAsync();
        var ids = new List<long>();
        for (var i = 0; i < 3; i++) ids.Add((await InviteAsync(alice, book.Id, new { role = "viewer" })).GetProperty("id").GetInt64());
        var (longExpired, justExpired, live) = (ids[0], ids[1], ids[2]);
        var now = DateTimeOffset.UtcNow;
        await using (var connection = await server.Database.Connections().OpenAsync(CancellationToken.None))
        {
            // The default retention is 7 days after expiry.
            await connection.ExecuteAsync("UPDATE book_invite SET expires_at = @At WHERE id = @Id",
                new[] { new { At = now.AddDays(-8).ToUnixTimeMilliseconds(), Id = longExpired }, new { At = now.AddDays(-6).ToUnixTimeMilliseconds(), Id = justExpired } });
        }

        Assert.True(await server.App.Services.GetRequiredService<InvitePruner>().PruneOnceAsync(CancellationToken.None) >= 1);

        var listed = await (await alice.Http.GetAsync($"/api/books/{book.Id}/invites")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal([justExpired, live], listed.EnumerateArray().Select(invite => invite.GetProperty("id").GetInt64()));
    }
}
