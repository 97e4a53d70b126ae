namespace BillHolder.Server.Infrastructure.Errors;

// Every machine-readable code a client can see: the `code` of a problem+json answer, and the start of a hub
// error's message. Stable: clients switch on them.
internal static class ErrorCodes
{
    public const string ValidationFailed = "validation_failed";
    public const string MalformedRequest = "malformed_request";
    public const string PayloadTooLarge = "payload_too_large";
    public const string Unauthorized = "unauthorized";
    public const string InvalidCredentials = "invalid_credentials";
    public const string InvalidRefreshToken = "invalid_refresh_token";
    public const string InviteNotFound = "invite_not_found";
    public const string Forbidden = "forbidden";
    public const string NotFound = "not_found";
    public const string MethodNotAllowed = "method_not_allowed";
    public const string RequestTimeout = "request_timeout";
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
    public const string TooManyBooks = "too_many_books";
    public const string TooManyConnections = "too_many_connections";
    public const string InvalidArguments = "invalid_arguments";
    public const string SnapshotTooLarge = "snapshot_too_large";
    public const string DatabaseUnavailable = "database_unavailable";
    public const string InternalError = "internal_error";

    // For answers the framework produces by status alone (401 from authentication, 404 of unknown routes, ...).
    public static string ForStatus(int status) => status switch
    {
        400 => MalformedRequest,
        401 => Unauthorized,
        403 => Forbidden,
        404 => NotFound,
        405 => MethodNotAllowed,
        408 => RequestTimeout,
        413 => PayloadTooLarge,
        415 => UnsupportedMediaType,
        422 => ValidationFailed,
        429 => RateLimited,
        503 => DatabaseUnavailable,
        _ => status >= 500 ? InternalError : "error",
    };
}
