using Microsoft.AspNetCore.Http.HttpResults;

namespace BillHolder.Server.Infrastructure.Errors;

// Every error a client can see: RFC 7807 problem+json with a stable machine-readable `code`.
internal static class ErrorCodes
{
    public const string ValidationFailed = "validation_failed";
    public const string MalformedRequest = "malformed_request";
    public const string PayloadTooLarge = "payload_too_large";
    public const string Unauthorized = "unauthorized";
    public const string InvalidCredentials = "invalid_credentials";
    public const string Forbidden = "forbidden";
    public const string NotFound = "not_found";
    public const string MethodNotAllowed = "method_not_allowed";
    public const string UnsupportedMediaType = "unsupported_media_type";
    public const string RateLimited = "rate_limited";
    public const string UsernameTaken = "username_taken";
    public const string BookNotFound = "book_not_found";
    public const string UserNotFound = "user_not_found";
    public const string MemberNotFound = "member_not_found";
    public const string LastOwner = "last_owner";
    public const string UnknownWallet = "unknown_wallet";
    public const string WalletInUse = "wallet_in_use";
    public const string SyncIdReused = "sync_id_reused";
    public const string DatabaseUnavailable = "database_unavailable";
    public const string InternalError = "internal_error";

    public static string ForStatus(int status) => status switch
    {
        400 => MalformedRequest,
        401 => Unauthorized,
        403 => Forbidden,
        404 => NotFound,
        405 => MethodNotAllowed,
        413 => PayloadTooLarge,
        415 => UnsupportedMediaType,
        422 => ValidationFailed,
        429 => RateLimited,
        503 => DatabaseUnavailable,
        _ => status >= 500 ? InternalError : "error",
    };
}

internal static class Problems
{
    public static ProblemHttpResult Create(int status, string code, string detail, IDictionary<string, object?>? extensions = null)
    {
        var all = new Dictionary<string, object?>(extensions ?? new Dictionary<string, object?>()) { ["code"] = code };
        return TypedResults.Problem(detail: detail, statusCode: status, extensions: all);
    }

    public static ProblemHttpResult Validation(IReadOnlyDictionary<string, string[]> errors, string detail = "The request is not valid; see errors.") =>
        Create(StatusCodes.Status422UnprocessableEntity, ErrorCodes.ValidationFailed, detail,
            new Dictionary<string, object?> { ["errors"] = errors });

    public static ProblemHttpResult Validation(string path, string message) =>
        Validation(new Dictionary<string, string[]> { [path] = [message] });

    public static ProblemHttpResult BookNotFound() =>
        Create(StatusCodes.Status404NotFound, ErrorCodes.BookNotFound, "No such book, or you are not a member of it.");

    public static ProblemHttpResult Forbidden(string detail) =>
        Create(StatusCodes.Status403Forbidden, ErrorCodes.Forbidden, detail);
}
