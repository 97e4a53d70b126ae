using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using BillHolder.Server.Accounts;
using BillHolder.Server.Books.Storage;
using BillHolder.Server.Infrastructure.Errors;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.IdentityModel.Tokens;

namespace BillHolder.Server.Books;

// Handlers of /api/books/{bookId}/invites and /api/invites/accept; the routes and their roles are in BooksModule.
internal static class InvitesApi
{
    private const int DefaultHours = 72;
    private const int MaxHours = 720;
    private const int MaxUsesLimit = 100_000;

    // MaxUses is a JsonElement because absent (default 1) and null (unlimited) mean different things.
    internal sealed record NewInvite(string? Role, int? ExpiresInHours, JsonElement MaxUses);

    internal sealed record CodeBody(string? Code);

    internal sealed record CreatedInvite(long Id, string Code, string Role, DateTimeOffset ExpiresAt, int? MaxUses, int Uses);

    public static async Task<Results<Created<CreatedInvite>, ProblemHttpResult>> Create(
        long bookId, NewInvite body, CurrentUser user, InviteStore invites, TimeProvider time, ILogger<InviteStore> logger,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var role = BookRoles.Parse(body.Role);
        if (role is not (BookRole.Editor or BookRole.Viewer)) errors["role"] = ["must be editor or viewer"];
        var hours = body.ExpiresInHours ?? DefaultHours;
        if (hours is < 1 or > MaxHours) errors["expiresInHours"] = [$"must be 1-{MaxHours}"];
        int? maxUses = body.MaxUses.ValueKind switch
        {
            JsonValueKind.Undefined => 1,
            JsonValueKind.Null => null,
            JsonValueKind.Number when body.MaxUses.TryGetInt32(out var n) && n is >= 1 and <= MaxUsesLimit => n,
            _ => -1,
        };
        if (maxUses == -1) errors["maxUses"] = [$"must be an integer 1-{MaxUsesLimit}, or null for unlimited"];
        if (errors.Count > 0) return ApiError.Validation(errors).ToProblem();

        var code = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(16));
        var now = time.GetUtcNow();
        var expires = now.AddHours(hours);
        var id = await invites.CreateAsync(bookId, Hash(code), role!.Value, user.Id, now.ToUnixTimeMilliseconds(), expires.ToUnixTimeMilliseconds(),
            maxUses, cancellationToken);
        logger.LogInformation("Invite {InviteId} to book {BookId} as {Role} created by {Username}", id, bookId, role.Value.ToWire(), user.Username);
        return TypedResults.Created($"/api/books/{bookId}/invites", new CreatedInvite(id, code, role.Value.ToWire(), expires, maxUses, 0));
    }

    public static async Task<Ok<IReadOnlyList<InviteDto>>> List(long bookId, InviteStore invites, CancellationToken cancellationToken) =>
        TypedResults.Ok(await invites.ListAsync(bookId, cancellationToken));

    public static async Task<Results<NoContent, ProblemHttpResult>> Delete(long bookId, long inviteId, InviteStore invites,
        CancellationToken cancellationToken) =>
        await invites.DeleteAsync(bookId, inviteId, cancellationToken) ? TypedResults.NoContent() : NotFound().ToProblem();

    public static async Task<Results<Ok<AcceptedInvite>, ProblemHttpResult>> Accept(
        CodeBody body, CurrentUser user, InviteStore invites, TimeProvider time, ILogger<InviteStore> logger, CancellationToken cancellationToken)
    {
        if (body.Code is not { Length: > 0 and <= 128 } code) return NotFound().ToProblem();
        var accepted = await invites.AcceptAsync(Hash(code), user.Id, time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken);
        if (accepted is null) return NotFound().ToProblem();
        logger.LogInformation("{Username} accepted an invite to book {BookId} and is {Role}", user.Username, accepted.BookId, accepted.Role);
        return TypedResults.Ok(accepted);
    }

    private static ApiError NotFound() =>
        new(StatusCodes.Status404NotFound, ErrorCodes.InviteNotFound, "No such invite, or it expired, was revoked or is used up.");

    private static string Hash(string code) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(code)));
}
