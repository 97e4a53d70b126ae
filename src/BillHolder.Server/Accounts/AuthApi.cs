using System.Text.RegularExpressions;
using BillHolder.Server.Infrastructure.Errors;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;

namespace BillHolder.Server.Accounts;

// Handlers of /api/auth and /api/me; the routes are in AccountsModule.
internal static partial class AuthApi
{
    internal sealed record Credentials(string? Username, string? Password);

    internal sealed record UserDto(long Id, string Username);

    public static async Task<Results<Created<UserDto>, ProblemHttpResult>> Register(
        Credentials body, UserStore users, IPasswordHasher<UserRecord> hasher, TimeProvider time,
        ILogger<UserStore> logger, CancellationToken cancellationToken)
    {
        var errors = Validate(body);
        if (errors.Count > 0) return ApiError.Validation(errors).ToProblem();

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
        TokenIssuer tokens, LoginThrottle throttle, CancellationToken cancellationToken)
    {
        // Only names that could have been registered: the database compares accent- and space-insensitively,
        // so "alice " would otherwise reach alice under a throttle key of its own.
        if (body.Username is null || !UsernamePattern().IsMatch(body.Username) || string.IsNullOrEmpty(body.Password)
            || body.Password.Length > 128)
        {
            return InvalidCredentials();
        }

        var address = http.Connection.RemoteIpAddress?.ToString();
        if (throttle.TryBegin(body.Username, address) is { } wait)
        {
            http.Response.Headers.RetryAfter = ((int)Math.Ceiling(wait.TotalSeconds)).ToString();
            return new ApiError(StatusCodes.Status429TooManyRequests, ErrorCodes.RateLimited,
                "Too many failed logins; try again later.").ToProblem();
        }

        bool? passwordRight = null;
        try
        {
            var user = await users.FindByUsernameAsync(body.Username, cancellationToken);
            // An unknown user costs the same hash check as a known one, so timing does not reveal who exists.
            var verdict = hasher.VerifyHashedPassword(user ?? UnknownUser, user?.PasswordHash ?? UnknownUserHash.Value, body.Password);
            passwordRight = user is not null && verdict != PasswordVerificationResult.Failed;
            if (user is null || !passwordRight.Value) return InvalidCredentials();

            if (verdict == PasswordVerificationResult.SuccessRehashNeeded)
            {
                await users.UpdatePasswordHashAsync(user.Id, hasher.HashPassword(user, body.Password), cancellationToken);
            }
            return TypedResults.Ok(tokens.Issue(user.Id, user.Username));
        }
        finally
        {
            // Only a wrong password counts: an outage or a client hanging up must not lock anyone out.
            if (passwordRight != false) throttle.GiveBack(body.Username, address, succeeded: passwordRight == true);
        }
    }

    private static readonly UserRecord UnknownUser = new(0, "", "");

    private static readonly Lazy<string> UnknownUserHash =
        new(() => new PasswordHasher<UserRecord>().HashPassword(UnknownUser, Guid.NewGuid().ToString()));

    public static Ok<UserDto> Me(CurrentUser user) => TypedResults.Ok(new UserDto(user.Id, user.Username));

    // One answer for an unknown user and a wrong password, so usernames cannot be probed.
    private static ProblemHttpResult InvalidCredentials() =>
        new ApiError(StatusCodes.Status401Unauthorized, ErrorCodes.InvalidCredentials, "Wrong username or password.").ToProblem();

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
