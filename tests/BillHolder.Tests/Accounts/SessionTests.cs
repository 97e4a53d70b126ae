using System.Net;
using BillHolder.Tests.Infrastructure;
using BillHolder.Tests.Realtime;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using static BillHolder.Tests.Accounts.SessionTestClient;

namespace BillHolder.Tests.Accounts;

public sealed class SessionTests : IClassFixture<SessionTests.Server>
{
    // A tiny check window, so a revocation made where this process cannot see it shows within a second.
    public sealed class Server : IAsyncLifetime
    {
        public BillHolderServer Inner { get; } = new();

        public Task InitializeAsync()
        {
            Inner.Settings["Auth:SessionCheckSeconds"] = "1";
            return Inner.InitializeAsync();
        }

        public Task DisposeAsync() => Inner.DisposeAsync();
    }

    private readonly BillHolderServer server;

    public SessionTests(Server fixture) => server = fixture.Inner;

    [Fact]
    public async Task Login_AnswersAShortAccessTokenAndARefreshToken()
    {
        var user = await server.NewUserAsync();
        var login = await server.LoginAsync(user.Username);
        var expires = login.GetProperty("expiresAt").GetDateTimeOffset();
        Assert.InRange(expires, DateTimeOffset.UtcNow.AddMinutes(14), DateTimeOffset.UtcNow.AddMinutes(16));
        Assert.True(login.GetProperty("refreshExpiresAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddDays(29));
        Assert.True(login.Refresh().Length >= 40);
        Assert.NotEqual(SessionOf(user.Token), SessionOf(login.Access()));
    }

    [Fact]
    public async Task Refresh_GivesANewPair_AndTheUsedTokenStopsWorking_WithoutEndingTheSession()
    {
        var user = await server.NewUserAsync();
        var first = await (await server.RefreshAsync(user.RefreshToken)).ReadJsonAsync(HttpStatusCode.OK);
        Assert.NotEqual(user.RefreshToken, first.Refresh());
        Assert.Equal(SessionOf(user.Token), SessionOf(first.Access()));
        Assert.Equal(HttpStatusCode.OK, await server.MeStatusAsync(first.Access()));

        // Within the grace: refused, nothing revoked (it may be the loser of a race).
        await (await server.RefreshAsync(user.RefreshToken)).ProblemAsync(HttpStatusCode.Unauthorized, "invalid_refresh_token");
        var second = await (await server.RefreshAsync(first.Refresh())).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.OK, await server.MeStatusAsync(second.Access()));
    }

    [Fact]
    public async Task Refresh_RacingWithOneToken_HasExactlyOneWinner()
    {
        var user = await server.NewUserAsync();
        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => server.RefreshAsync(user.RefreshToken))));
        Assert.Single(answers, a => a.StatusCode == HttpStatusCode.OK);
        foreach (var lost in answers.Where(a => a.StatusCode != HttpStatusCode.OK))
        {
            await lost.ProblemAsync(HttpStatusCode.Unauthorized, "invalid_refresh_token");
        }
        var winner = await answers.Single(a => a.StatusCode == HttpStatusCode.OK).ReadJsonAsync(HttpStatusCode.OK);
        await (await server.RefreshAsync(winner.Refresh())).ReadJsonAsync(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not-a-token")]
    public async Task Refresh_WithAnUnknownToken_Returns401(string token)
    {
        await (await server.RefreshAsync(token)).ProblemAsync(HttpStatusCode.Unauthorized, "invalid_refresh_token");
    }

    [Fact]
    public async Task Logout_EndsTheSession_AtOnce()
    {
        var user = await server.NewUserAsync();
        var other = await server.LoginAsync(user.Username);
        Assert.Equal(HttpStatusCode.NoContent, (await server.Anonymous().PostJsonAsync("/api/auth/logout", new { refreshToken = user.RefreshToken })).StatusCode);

        await (await user.Http.GetAsync("/api/me")).ProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
        await (await server.RefreshAsync(user.RefreshToken)).ProblemAsync(HttpStatusCode.Unauthorized, "invalid_refresh_token");
        // The user's other sign-in is untouched.
        Assert.Equal(HttpStatusCode.OK, await server.MeStatusAsync(other.Access()));
        // Logging out again, or with nonsense, reveals nothing.
        Assert.Equal(HttpStatusCode.NoContent, (await server.Anonymous().PostJsonAsync("/api/auth/logout", new { refreshToken = user.RefreshToken })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await server.Anonymous().PostJsonAsync("/api/auth/logout", new { refreshToken = "nonsense" })).StatusCode);
    }

    [Fact]
    public async Task ASessionRevokedByAnotherInstance_IsRefusedWithinTheCheckWindow()
    {
        var user = await server.NewUserAsync();
        Assert.Equal(HttpStatusCode.OK, await server.MeStatusAsync(user.Token));
        // As another server process would: the row changes, this process is not told.
        await using (var connection = await server.Database.Connections().OpenAsync(CancellationToken.None))
        {
            await connection.ExecuteAsync("UPDATE auth_session SET revoked_at = 1 WHERE id = @Id", new { Id = long.Parse(SessionOf(user.Token)) });
        }
        await EventuallyAsync(async () => await server.MeStatusAsync(user.Token) == HttpStatusCode.Unauthorized, "the revoked session is refused");
        await Assert.ThrowsAnyAsync<Exception>(() => TestHubConnection.ConnectAsync(server, user));
    }

    [Fact]
    public async Task Logout_ClosesTheSessionsHubConnections_AndNoOthers()
    {
        var user = await server.NewUserAsync();
        var laptop = await server.LoginAsync(user.Username);
        await using var phoneHub = await server.ConnectAsync(user);
        await using var laptopHub = await server.ConnectAsync(user with { Token = laptop.Access() });

        await server.Anonymous().PostJsonAsync("/api/auth/logout", new { refreshToken = user.RefreshToken });

        await phoneHub.Disconnected.WaitAsync(TestHubConnection.Patience);
        await laptopHub.RoundTripAsync();
        Assert.False(laptopHub.Disconnected.IsCompleted);
        await Assert.ThrowsAnyAsync<Exception>(() => TestHubConnection.ConnectAsync(server, user));
    }

    [Fact]
    public async Task AnOpenHubConnection_IsClosedWhenItsAccessTokenExpires()
    {
        var user = await server.NewUserAsync();
        var book = await user.CreateBookAsync("Expiring");
        // A real session's token, made to expire in two seconds (the server's own are at least a minute).
        var shortLived = Signed(DateTime.UtcNow.AddSeconds(2), ("sub", user.Id.ToString()), ("name", user.Username), ("sid", SessionOf(user.Token)));
        await using var hub = await server.ConnectAsync(user with { Token = shortLived });
        await hub.OpenBookAsync(book);

        await hub.Disconnected.WaitAsync(TimeSpan.FromSeconds(20));
    }

    [Theory]
    [InlineData("abc", "name")]
    [InlineData(null, "name")]
    [InlineData("42", null)]
    [InlineData("-1", "name")]
    public async Task AValidlySignedTokenWithBadClaims_Returns401(string? sub, string? name)
    {
        var user = await server.NewUserAsync();
        var claims = new List<(string, string)> { ("sid", SessionOf(user.Token)) };
        if (sub is not null) claims.Add(("sub", sub));
        if (name is not null) claims.Add(("name", name));
        var token = Signed(DateTime.UtcNow.AddMinutes(5), [.. claims]);
        await (await server.WithToken(token).GetAsync("/api/me")).ProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
        await (await server.WithToken(token).GetAsync("/api/books")).ProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task ATokenWithoutASession_OrOfAnotherUsersSession_Returns401()
    {
        var user = await server.NewUserAsync();
        var other = await server.NewUserAsync();
        var noSession = Signed(DateTime.UtcNow.AddMinutes(5), ("sub", user.Id.ToString()), ("name", user.Username));
        await (await server.WithToken(noSession).GetAsync("/api/me")).ProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
        var borrowed = Signed(DateTime.UtcNow.AddMinutes(5), ("sub", user.Id.ToString()), ("name", user.Username), ("sid", SessionOf(other.Token)));
        await (await server.WithToken(borrowed).GetAsync("/api/me")).ProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task ChangingThePassword_RevokesEveryOtherSession_AndKeepsTheCallers()
    {
        var user = await server.NewUserAsync();
        var other = await server.LoginAsync(user.Username);
        await using var otherHub = await server.ConnectAsync(user with { Token = other.Access() });

        var changed = await user.Http.SendJsonAsync(HttpMethod.Put, "/api/me/password", new { currentPassword = UserClient.Password, newPassword = "a-new-password-1" });
        Assert.Equal(HttpStatusCode.NoContent, changed.StatusCode);

        Assert.Equal(HttpStatusCode.OK, await server.MeStatusAsync(user.Token));
        await (await server.RefreshAsync(user.RefreshToken)).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.Unauthorized, await server.MeStatusAsync(other.Access()));
        await (await server.RefreshAsync(other.Refresh())).ProblemAsync(HttpStatusCode.Unauthorized, "invalid_refresh_token");
        await otherHub.Disconnected.WaitAsync(TestHubConnection.Patience);

        await (await server.Anonymous().PostJsonAsync("/api/auth/login", new { username = user.Username, password = UserClient.Password }))
            .ProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        await server.LoginAsync(user.Username, "a-new-password-1");
    }

    [Fact]
    public async Task ChangingThePassword_WithAWrongCurrentOne_Returns403_CountedByTheLoginThrottle()
    {
        var user = await server.NewUserAsync();
        for (var i = 0; i < 5; i++)
        {
            await (await user.Http.SendJsonAsync(HttpMethod.Put, "/api/me/password", new { currentPassword = "wrong-password", newPassword = "a-new-password-1" }))
                .ProblemAsync(HttpStatusCode.Forbidden, "invalid_credentials");
        }
        var blocked = await user.Http.SendJsonAsync(HttpMethod.Put, "/api/me/password", new { currentPassword = UserClient.Password, newPassword = "a-new-password-1" });
        await blocked.ProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.NotNull(blocked.Headers.RetryAfter);
        await (await server.Anonymous().PostJsonAsync("/api/auth/login", new { username = user.Username, password = UserClient.Password }))
            .ProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
    }

    [Fact]
    public async Task ChangingThePassword_ToAnInvalidOne_Returns422()
    {
        var user = await server.NewUserAsync();
        var problem = await (await user.Http.SendJsonAsync(HttpMethod.Put, "/api/me/password", new { currentPassword = UserClient.Password, newPassword = "short" }))
            .ProblemAsync(HttpStatusCode.UnprocessableEntity, "validation_failed");
        Assert.Equal(["newPassword"], problem.ErrorKeys());
    }
}

// Reuse detection with no grace: any rotated token presented again counts as stolen.
public sealed class RefreshTheftTests : IClassFixture<RefreshTheftTests.Server>
{
    public sealed class Server : IAsyncLifetime
    {
        public BillHolderServer Inner { get; } = new();

        public Task InitializeAsync()
        {
            Inner.Settings["Auth:RefreshReuseGraceSeconds"] = "0";
            return Inner.InitializeAsync();
        }

        public Task DisposeAsync() => Inner.DisposeAsync();
    }

    private readonly BillHolderServer server;

    public RefreshTheftTests(Server fixture) => server = fixture.Inner;

    [Fact]
    public async Task AReusedRefreshTokenAfterTheGrace_RevokesTheWholeSession()
    {
        var user = await server.NewUserAsync();
        var rotated = await (await server.RefreshAsync(user.RefreshToken)).ReadJsonAsync(HttpStatusCode.OK);
        await using var hub = await server.ConnectAsync(user with { Token = rotated.Access() });

        await (await server.RefreshAsync(user.RefreshToken)).ProblemAsync(HttpStatusCode.Unauthorized, "invalid_refresh_token");

        // The thief's copy and the rightful holder's newer tokens are all dead now.
        await (await server.RefreshAsync(rotated.Refresh())).ProblemAsync(HttpStatusCode.Unauthorized, "invalid_refresh_token");
        Assert.Equal(HttpStatusCode.Unauthorized, await server.MeStatusAsync(rotated.Access()));
        await hub.Disconnected.WaitAsync(TestHubConnection.Patience);
    }
}

// Ended sessions are deleted after Auth__EndedSessionRetentionDays (0 here: at the next prune), with their rotated
// refresh tokens; live sessions stay and keep working.
public sealed class SessionPruneTests : IClassFixture<SessionPruneTests.Server>
{
    public sealed class Server : IAsyncLifetime
    {
        public BillHolderServer Inner { get; } = new();

        public Task InitializeAsync()
        {
            Inner.Settings["Auth:EndedSessionRetentionDays"] = "0";
            return Inner.InitializeAsync();
        }

        public Task DisposeAsync() => Inner.DisposeAsync();
    }

    private readonly BillHolderServer server;

    public SessionPruneTests(Server fixture) => server = fixture.Inner;

    [Fact]
    public async Task Prune_DeletesEndedSessionsAndTheirRotatedTokens_AndKeepsLiveOnes()
    {
        var user = await server.NewUserAsync();
        var ended = await server.LoginAsync(user.Username);
        var rotated = await (await server.RefreshAsync(ended.Refresh())).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.NoContent,
            (await server.Anonymous().PostJsonAsync("/api/auth/logout", new { refreshToken = rotated.Refresh() })).StatusCode);
        await Task.Delay(5); // revoked_at strictly before the prune's "now"

        var pruner = server.App.Services.GetRequiredService<BillHolder.Server.Accounts.SessionPruner>();
        Assert.True(await pruner.PruneOnceAsync(CancellationToken.None) >= 1);

        await using var connection = await server.Database.Connections().OpenAsync(CancellationToken.None);
        Assert.Equal(0, await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM auth_session WHERE id = @Id",
            new { Id = SessionOf(ended.Access()) }));
        Assert.Equal(0, await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM auth_refresh_used WHERE session_id = @Id",
            new { Id = SessionOf(ended.Access()) }));
        // The user's first sign-in is live: kept, and its token still works; the ended one's tokens stay dead.
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM auth_session WHERE id = @Id",
            new { Id = SessionOf(user.Token) }));
        Assert.Equal(HttpStatusCode.OK, await server.MeStatusAsync(user.Token));
        await (await server.RefreshAsync(rotated.Refresh())).ProblemAsync(HttpStatusCode.Unauthorized, "invalid_refresh_token");
        await (await server.RefreshAsync(ended.Refresh())).ProblemAsync(HttpStatusCode.Unauthorized, "invalid_refresh_token");
    }
}
