using System.Net;

namespace BillHolder.Tests.Infrastructure;

public sealed class HealthAndErrorsTests(BillHolderServer server) : IClassFixture<BillHolderServer>
{
    [Fact]
    public async Task Health_LiveAndReady_Return200WithTheDatabaseUp()
    {
        var http = server.Anonymous();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/live")).StatusCode);
        var ready = await (await http.GetAsync("/health/ready")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal("ready", ready.GetProperty("status").GetString());
    }

    [Fact]
    public async Task UnknownRoute_Returns404Problem()
    {
        await (await server.Anonymous().GetAsync("/api/nothing-here")).ProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task MalformedJson_Returns400Problem()
    {
        var user = await server.NewUserAsync();
        await (await user.Http.PostRawAsync("/api/books", "{\"name\": ")).ProblemAsync(HttpStatusCode.BadRequest, "malformed_request");
        await (await server.Anonymous().PostRawAsync("/api/auth/login", "[1,2")).ProblemAsync(HttpStatusCode.BadRequest, "malformed_request");
    }

    [Fact]
    public async Task WrongContentType_Returns415Problem()
    {
        var user = await server.NewUserAsync();
        var response = await user.Http.PostAsync("/api/books", new StringContent("{\"name\":\"x\"}", System.Text.Encoding.UTF8, "text/plain"));
        var problem = await response.ProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        Assert.Equal("Send the body as application/json.", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task BadQueryParameters_Return422NamingTheParameter()
    {
        var user = await server.NewUserAsync();
        var book = await (await user.Http.PostJsonAsync("/api/books", new { name = "Q" })).ReadJsonAsync(HttpStatusCode.Created);
        var id = book.GetProperty("id").GetInt64();
        Assert.Equal(["since"], (await (await user.Http.GetAsync($"/api/books/{id}/changes?since=abc")).ProblemAsync(HttpStatusCode.UnprocessableEntity, "validation_failed")).ErrorKeys());
        Assert.Equal(["before", "limit"], (await (await user.Http.GetAsync($"/api/books/{id}/history?before=x&limit=999")).ProblemAsync(HttpStatusCode.UnprocessableEntity, "validation_failed")).ErrorKeys());
    }

    [Fact]
    public async Task ClientMistakes_AreAnsweredWithoutInternalsAndNotLoggedAsErrors()
    {
        var user = await server.NewUserAsync();
        var response = await user.Http.PostAsync("/api/books/1/sync", new StringContent("", System.Text.Encoding.UTF8, "application/json"));
        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest, "malformed_request");
        Assert.DoesNotContain("JsonElement", problem.GetProperty("detail").GetString());
        await (await user.Http.PostRawAsync("/api/books", "{\"name\":")).ProblemAsync(HttpStatusCode.BadRequest, "malformed_request");

        Assert.DoesNotContain(server.Logs.Entries, e => e.Category.StartsWith("Microsoft.AspNetCore.Diagnostics"));
        Assert.Contains(server.Logs.Entries, e => e.Category == "BillHolder.Errors" && e.Text.Contains("malformed_request"));
    }

    [Fact]
    public async Task OversizedBody_Returns413Problem()
    {
        var huge = "{\"username\":\"" + new string('a', 64 * 1024) + "\",\"password\":\"x\"}";
        await (await server.Anonymous().PostRawAsync("/api/auth/register", huge)).ProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
    }

    [Fact]
    public async Task Ready_Returns503Problem_WhenTheDatabaseIsUnreachable_WhileLiveStays200()
    {
        await using var app = ExtraHost.Create(ExtraHost.UnreachableDatabase, ("Database:ConnectTimeoutSeconds", "1"));
        var http = app.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/live")).StatusCode);
        await (await http.GetAsync("/health/ready")).ProblemAsync(HttpStatusCode.ServiceUnavailable, "database_unavailable");
        var register = await http.PostJsonAsync("/api/auth/register", new { username = "nobody", password = "password123" });
        await register.ProblemAsync(HttpStatusCode.ServiceUnavailable, "database_unavailable");
    }
}
