using System.Text.RegularExpressions;
using BillHolder.Server.Infrastructure.Errors;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace BillHolder.Server.Accounts;

// Handlers of /api/auth and /api/me; the routes are in AccountsModule.
internal static partial class AuthApi
{
    internal sealed record Credentials(string? Username, string? Password);

    internal sealed record RefreshBody(string? RefreshToken);

    internal sealed record PasswordChange(string? CurrentPassword, string? NewPassword);

    internal sealed record PasswordBody(string? Password);

    internal sealed record UserDto(long Id, string Username);

    public static async Task<Results<Created<UserDto>, ProblemHttpResult>> Register(
        Credentials body, HttpContext http, UserStore users, RegistrationThrottle throttle, IPasswordHasher<UserRecord> hasher,
        TimeProvider time, ILogger<UserStore> logger, CancellationToken cancellationToken)
    {
        var errors = Validate(body);
        if (errors.Count > 0) return ApiError.Validation(errors).ToProblem();
        // After validation, so malformed attempts (which cost nothing) do not use up an address's budget.
        if (await throttle.TryBeginAsync(http.Connection.RemoteIpAddress?.ToString()) is { } wait)
        {
            return TooMany(http, wait, "Too many registrations; try again later.");
        }

        var username = body.Username!;
        var hash = hasher.HashPassword(new UserRecord(0, username, ""), body.Password!);
        var user = await users.CreateAsync(username, hash, time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken);
        if (user is null)
        {
            return new ApiError(StatusCodes.Status409Conflict, ErrorCodes.UsernameTaken, $"The username '{username}' is taken.").ToProblem();
        }
        logger.LogInformation("Registered user {UserId} {Username}", user.Id, user.Username);
        return TypedResults.Created("/api/me", new UserDto(user.Id, user.Username));
    }

    public static async Task<Results<Ok<TokenResponse>, ProblemHttpResult>> Login(
        Credentials body, HttpContext http, UserStore users, IPasswordHasher<UserRecord> hasher,
        Sessions sessions, LoginThrottle throttle, CancellationToken cancellationToken)
    {
        // Only names that could have been registered: the database compares accent- and space-insensitively,
        // so "alice " would otherwise reach alice under a throttle key of its own.
        if (body.Username is null || !UsernamePattern().IsMatch(body.Username) || string.IsNullOrEmpty(body.Password)
            || body.Password.Length > 128)
        {
            return InvalidCredentials(StatusCodes.Status401Unauthorized);
        }

        var address = http.Connection.RemoteIpAddress?.ToString();
        if (await throttle.TryBeginAsync(body.Username, address) is { } wait) return TooMany(http, wait, "Too many failed logins; try again later.");

        bool? passwordRight = null;
        try
        {
            var user = await users.FindByUsernameAsync(body.Username, cancellationToken);
            // An unknown user costs the same hash check as a known one, so timing does not reveal who exists.
            var verdict = hasher.VerifyHashedPassword(user ?? UnknownUser, user?.PasswordHash ?? UnknownUserHash.Value, body.Password);
            passwordRight = user is not null && verdict != PasswordVerificationResult.Failed;
            if (user is null || !passwordRight.Value) return InvalidCredentials(StatusCodes.Status401Unauthorized);

            if (verdict == PasswordVerificationResult.SuccessRehashNeeded)
            {
                await users.UpdatePasswordHashAsync(user.Id, hasher.HashPassword(user, body.Password), cancellationToken);
            }
            return TypedResults.Ok(await sessions.SignInAsync(user.Id, user.Username, cancellationToken));
        }
        finally
        {
            // Only a wrong password counts: an outage or a client hanging up must not lock anyone out.
            if (passwordRight != false) await throttle.GiveBackAsync(body.Username, address, succeeded: passwordRight == true);
        }
    }

    public static async Task<Results<Ok<TokenResponse>, ProblemHttpResult>> Refresh(
        RefreshBody body, Sessions sessions, CancellationToken cancellationToken)
    {
        if (body.RefreshToken is not { Length: > 0 and <= 256 } token) return InvalidRefreshToken();
        var (outcome, tokens) = await sessions.RefreshAsync(token, cancellationToken);
        return outcome == RefreshOutcome.Refreshed ? TypedResults.Ok(tokens!) : InvalidRefreshToken();
    }

    // 204 whatever was sent: the answer tells nobody whether a token was valid.
    public static async Task<NoContent> Logout(RefreshBody body, Sessions sessions, CancellationToken cancellationToken)
    {
        if (body.RefreshToken is { Length: > 0 and <= 256 } token) await sessions.LogoutAsync(token, cancellationToken);
        return TypedResults.NoContent();
    }

    public static Ok<UserDto> Me(CurrentUser user) => TypedResults.Ok(new UserDto(user.Id, user.Username));

    // The caller's session stays; every other one ends (a changed password usually means a leaked one).
    public static async Task<Results<NoContent, ProblemHttpResult>> ChangePassword(
        PasswordChange body, CurrentUser user, HttpContext http, UserStore users, IPasswordHasher<UserRecord> hasher,
        LoginThrottle throttle, Sessions sessions, ILogger<UserStore> logger, CancellationToken cancellationToken)
    {
        if (body.NewPassword is null || body.NewPassword.Length is < 8 or > 128)
        {
            return ApiError.Validation("newPassword", "must be 8-128 characters").ToProblem();
        }
        var (record, refused) = await VerifyPasswordAsync(user, body.CurrentPassword, http, users, hasher, throttle, cancellationToken);
        if (refused is not null) return refused;

        await users.UpdatePasswordHashAsync(user.Id, hasher.HashPassword(record!, body.NewPassword), cancellationToken);
        await sessions.RevokeAllOfUserAsync(user.Id, keepSessionId: user.SessionId, cancellationToken);
        logger.LogInformation("User {UserId} changed their password; their other sessions are revoked", user.Id);
        return TypedResults.NoContent();
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteMe(
        [FromBody] PasswordBody body, CurrentUser user, HttpContext http, UserStore users, IPasswordHasher<UserRecord> hasher,
        LoginThrottle throttle, IEnumerable<IAccountDeletion> features, Sessions sessions, TimeProvider time,
        ILogger<UserStore> logger, CancellationToken cancellationToken)
    {
        var (_, refused) = await VerifyPasswordAsync(user, body.Password, http, users, hasher, throttle, cancellationToken);
        if (refused is not null) return refused;

        foreach (var feature in features)
        {
            if (await feature.ReleaseAsync(user, cancellationToken) is { } error) return error.ToProblem();
        }
        var ended = await users.DeleteAsync(user.Id, time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken);
        sessions.Ended(ended);
        logger.LogInformation("Deleted user {UserId} {Username}", user.Id, user.Username);
        return TypedResults.NoContent();
    }

    // 403, not 401: a 401 would make a client refresh its token and retry. Counted like a failed login.
    private static async Task<(UserRecord? User, ProblemHttpResult? Refused)> VerifyPasswordAsync(CurrentUser user, string? password,
        HttpContext http, UserStore users, IPasswordHasher<UserRecord> hasher, LoginThrottle throttle, CancellationToken cancellationToken)
    {
        var address = http.Connection.RemoteIpAddress?.ToString();
        if (await throttle.TryBeginAsync(user.Username, address) is { } wait) return (null, TooMany(http, wait, "Too many wrong passwords; try again later."));
        bool? right = null;
        try
        {
            var record = await users.FindByIdAsync(user.Id, cancellationToken);
            right = record is not null && password is { Length: > 0 and <= 128 }
                && hasher.VerifyHashedPassword(record, record.PasswordHash, password) != PasswordVerificationResult.Failed;
            return right.Value ? (record, null) : (null, InvalidCredentials(StatusCodes.Status403Forbidden));
        }
        finally
        {
            if (right != false) await throttle.GiveBackAsync(user.Username, address, succeeded: right == true);
        }
    }

    private static readonly UserRecord UnknownUser = new(0, "", "");

    private static readonly Lazy<string> UnknownUserHash =
        new(() => new PasswordHasher<UserRecord>().HashPassword(UnknownUser, Guid.NewGuid().ToString()));

    // One answer for an unknown user and a wrong password, so usernames cannot be probed.
    private static ProblemHttpResult InvalidCredentials(int status) =>
        new ApiError(status, ErrorCodes.InvalidCredentials, "Wrong username or password.").ToProblem();

    private static ProblemHttpResult InvalidRefreshToken() =>
        new ApiError(StatusCodes.Status401Unauthorized, ErrorCodes.InvalidRefreshToken,
            "The refresh token is not valid (unknown, used, expired or revoked); sign in again.").ToProblem();

    private static ProblemHttpResult TooMany(HttpContext http, TimeSpan wait, string detail)
    {
        http.Response.Headers.RetryAfter = ((int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new ApiError(StatusCodes.Status429TooManyRequests, ErrorCodes.RateLimited, detail).ToProblem();
    }

    private static Dictionary<string, string[]> Validate(Credentials body)
    {
        var errors = new Dictionary<string, string[]>();
        if (body.Username is null || !UsernamePattern().IsMatch(body.Username))
        {
            errors["username"] = ["must be 3-32 characters of A-Z, a-z, 0-9, '_', '.', '-'"];
        }
        if (body.Password is null || body.Password.Length is < 8 or > 128)
        {
            errors["password"] = ["must be 8-128 characters"];
        }
        return errors;
    }

    [GeneratedRegex("^[A-Za-z0-9_.-]{3,32}$")]
    private static partial Regex UsernamePattern();
}
