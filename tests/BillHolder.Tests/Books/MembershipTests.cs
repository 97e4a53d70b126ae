using System.Net;
using System.Net.Http.Json;
using BillHolder.Tests.Infrastructure;

namespace BillHolder.Tests.Books;

// Who may do what on every book route: owner, editor, viewer, non-member.
public sealed class MembershipTests(BillHolderServer server) : IClassFixture<BillHolderServer>
{
    public enum Role { Owner, Editor, Viewer, Stranger }

    public static TheoryData<string, Role, HttpStatusCode> Matrix()
    {
        var data = new TheoryData<string, Role, HttpStatusCode>();
        void Route(string route, HttpStatusCode owner, HttpStatusCode editor, HttpStatusCode viewer)
        {
            data.Add(route, Role.Owner, owner);
            data.Add(route, Role.Editor, editor);
            data.Add(route, Role.Viewer, viewer);
            data.Add(route, Role.Stranger, HttpStatusCode.NotFound);
        }
        Route("GET book", HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK);
        Route("PATCH book", HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.Forbidden);
        Route("DELETE book", HttpStatusCode.NoContent, HttpStatusCode.Forbidden, HttpStatusCode.Forbidden);
        Route("GET members", HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK);
        Route("PUT member", HttpStatusCode.OK, HttpStatusCode.Forbidden, HttpStatusCode.Forbidden);
        Route("DELETE member", HttpStatusCode.NoContent, HttpStatusCode.Forbidden, HttpStatusCode.Forbidden);
        Route("POST sync", HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.Forbidden);
        Route("GET changes", HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK);
        Route("GET history", HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK);
        Route("GET consistency", HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK);
        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task BookRoute_AnswersByRole(string route, Role role, HttpStatusCode expected)
    {
        var owner = await server.NewUserAsync("owner");
        var actor = role == Role.Owner ? owner : await server.NewUserAsync(role.ToString().ToLowerInvariant());
        var bystander = await server.NewUserAsync("bystander");
        var bookId = await owner.CreateBookAsync("Matrix");
        if (role is Role.Editor or Role.Viewer) await owner.SetRoleAsync(bookId, actor.Username, role.ToString().ToLowerInvariant());
        await owner.SetRoleAsync(bookId, bystander.Username, "viewer");

        var http = actor.Http;
        var response = route switch
        {
            "GET book" => await http.GetAsync($"/api/books/{bookId}"),
            "PATCH book" => await http.PatchAsJsonAsync($"/api/books/{bookId}", new { remark = "x" }),
            "DELETE book" => await http.DeleteAsync($"/api/books/{bookId}"),
            "GET members" => await http.GetAsync($"/api/books/{bookId}/members"),
            "PUT member" => await http.PutAsJsonAsync($"/api/books/{bookId}/members/{bystander.Username}", new { role = "editor" }),
            "DELETE member" => await http.DeleteAsync($"/api/books/{bookId}/members/{bystander.Username}"),
            "POST sync" => await http.PostJsonAsync($"/api/books/{bookId}/sync", new { syncId = "m1", book = new { remark = "y" } }),
            "GET changes" => await http.GetAsync($"/api/books/{bookId}/changes?since=0"),
            "GET history" => await http.GetAsync($"/api/books/{bookId}/history"),
            "GET consistency" => await http.GetAsync($"/api/books/{bookId}/consistency"),
            _ => throw new ArgumentException(route),
        };

        if (expected == HttpStatusCode.NotFound) await response.ProblemAsync(expected, "book_not_found");
        else if (expected == HttpStatusCode.Forbidden) await response.ProblemAsync(expected, "forbidden");
        else await response.ReadJsonAsync(expected);
    }

    [Fact]
    public async Task Members_ListShowsRoles_AndPutAddsOrChangesThem()
    {
        var owner = await server.NewUserAsync("owner");
        var friend = await server.NewUserAsync("friend");
        var bookId = await owner.CreateBookAsync("Shared");

        // Usernames match case-insensitively; the answer names the member as registered.
        var added = await (await owner.Http.PutAsJsonAsync($"/api/books/{bookId}/members/{friend.Username.ToUpperInvariant()}", new { role = "viewer" }))
            .ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal("viewer", added.GetProperty("role").GetString());
        Assert.Equal(friend.Username, added.GetProperty("username").GetString());
        Assert.Equal(friend.Id, added.GetProperty("userId").GetInt64());
        await owner.SetRoleAsync(bookId, friend.Username, "editor");

        var members = await (await friend.Http.GetAsync($"/api/books/{bookId}/members")).ReadJsonAsync(HttpStatusCode.OK);
        var roles = members.EnumerateArray().ToDictionary(m => m.GetProperty("username").GetString()!, m => m.GetProperty("role").GetString());
        Assert.Equal("owner", roles[owner.Username]);
        Assert.Equal("editor", roles[friend.Username]);
        var friendsBooks = await (await friend.Http.GetAsync("/api/books")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal("editor", Assert.Single(friendsBooks.EnumerateArray()).GetProperty("role").GetString());
    }

    [Fact]
    public async Task Members_ErrorsHaveTheirCodes()
    {
        var owner = await server.NewUserAsync("owner");
        var other = await server.NewUserAsync("other");
        var bookId = await owner.CreateBookAsync("Errors");

        await (await owner.Http.PutAsJsonAsync($"/api/books/{bookId}/members/no_such_user_x", new { role = "viewer" }))
            .ProblemAsync(HttpStatusCode.NotFound, "user_not_found");
        var badRole = await (await owner.Http.PutAsJsonAsync($"/api/books/{bookId}/members/{other.Username}", new { role = "admin" }))
            .ProblemAsync(HttpStatusCode.UnprocessableEntity, "validation_failed");
        Assert.Equal(["role"], badRole.ErrorKeys());
        await (await owner.Http.DeleteAsync($"/api/books/{bookId}/members/{other.Username}"))
            .ProblemAsync(HttpStatusCode.NotFound, "member_not_found");
    }

    [Fact]
    public async Task Members_TheLastOwnerCanNeitherLeaveNorBeDemoted()
    {
        var owner = await server.NewUserAsync("owner");
        var second = await server.NewUserAsync("second");
        var bookId = await owner.CreateBookAsync("Owners");

        await (await owner.Http.DeleteAsync($"/api/books/{bookId}/members/{owner.Username}")).ProblemAsync(HttpStatusCode.Conflict, "last_owner");
        await (await owner.Http.PutAsJsonAsync($"/api/books/{bookId}/members/{owner.Username}", new { role = "editor" }))
            .ProblemAsync(HttpStatusCode.Conflict, "last_owner");

        // With a second owner, the first may step down.
        await owner.SetRoleAsync(bookId, second.Username, "owner");
        await (await owner.Http.PutAsJsonAsync($"/api/books/{bookId}/members/{owner.Username}", new { role = "viewer" })).ReadJsonAsync(HttpStatusCode.OK);
        await (await second.Http.DeleteAsync($"/api/books/{bookId}/members/{second.Username}")).ProblemAsync(HttpStatusCode.Conflict, "last_owner");
    }

    [Fact]
    public async Task Members_AnyMemberMayLeave_AndThenSeesNothing()
    {
        var owner = await server.NewUserAsync("owner");
        var viewer = await server.NewUserAsync("viewer");
        var bookId = await owner.CreateBookAsync("Leave");
        await owner.SetRoleAsync(bookId, viewer.Username, "viewer");

        Assert.Equal(HttpStatusCode.NoContent, (await viewer.Http.DeleteAsync($"/api/books/{bookId}/members/{viewer.Username}")).StatusCode);
        await (await viewer.Http.GetAsync($"/api/books/{bookId}")).ProblemAsync(HttpStatusCode.NotFound, "book_not_found");
    }
}
