using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.SignalR;

namespace BillHolder.Server.Infrastructure.Errors;

// Every refusal a client can see, in one transport-neutral form: REST answers it as problem+json, the hub as
// a HubException whose message starts with the code. Extensions are the problem's extra members (`errors`,
// `version`, `references`).
internal sealed record ApiError(int Status, string Code, string Detail, IReadOnlyDictionary<string, object?>? Extensions = null)
{
    public static ApiError BookNotFound { get; } =
        new(StatusCodes.Status404NotFound, ErrorCodes.BookNotFound, "No such book, or you are not a member of it.");

    public static ApiError Forbidden(string detail) => new(StatusCodes.Status403Forbidden, ErrorCodes.Forbidden, detail);

    public static ApiError Validation(IReadOnlyDictionary<string, string[]> errors, string detail = "The request is not valid; see errors. Nothing was applied.",
        long? version = null)
    {
        var extensions = new Dictionary<string, object?> { ["errors"] = errors };
        if (version is not null) extensions["version"] = version;
        return new(StatusCodes.Status422UnprocessableEntity, ErrorCodes.ValidationFailed, detail, extensions);
    }

    public static ApiError Validation(string path, string message) =>
        Validation(new Dictionary<string, string[]> { [path] = [message] });

    public IReadOnlyDictionary<string, string[]> Errors =>
        Extensions?.GetValueOrDefault("errors") as IReadOnlyDictionary<string, string[]> ?? new Dictionary<string, string[]>();

    public ProblemHttpResult ToProblem()
    {
        var extensions = new Dictionary<string, object?>(Extensions ?? new Dictionary<string, object?>()) { ["code"] = Code };
        return TypedResults.Problem(detail: Detail, statusCode: Status, extensions: extensions);
    }

    // "code: detail", then the extensions as JSON, so hub clients get what REST clients find in the problem.
    public HubException ToHubException()
    {
        var message = $"{Code}: {Detail}";
        if (Extensions is { Count: > 0 }) message += " " + JsonSerializer.Serialize(Extensions, JsonSerializerOptions.Web);
        return new HubException(message);
    }
}

// A value, or the error to answer instead.
internal readonly struct Result<T>
{
    private Result(T? value, ApiError? error)
    {
        Value = value;
        Error = error;
    }

    public T? Value { get; }

    public ApiError? Error { get; }

    [MemberNotNullWhen(true, nameof(Value))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsOk => Error is null;

    public static implicit operator Result<T>(T value) => new(value, null);

    public static implicit operator Result<T>(ApiError error) => new(default, error);
}
