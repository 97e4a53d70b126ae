using BillHolder.Server.Infrastructure.Errors;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BillHolder.Server.Sync;

// A sync or read that was refused, in transport-neutral form: REST answers it as a problem,
// the hub as a HubException whose message starts with the code.
internal sealed record SyncFailure(int Status, string Code, string Detail, IReadOnlyDictionary<string, object?> Extensions)
{
    public static SyncFailure BookNotFound { get; } =
        new(404, ErrorCodes.BookNotFound, "No such book, or you are not a member of it.", new Dictionary<string, object?>());

    public static SyncFailure Forbidden(string detail) => new(403, ErrorCodes.Forbidden, detail, new Dictionary<string, object?>());

    public static SyncFailure Validation(IReadOnlyDictionary<string, string[]> errors, long? version = null)
    {
        var extensions = new Dictionary<string, object?> { ["errors"] = errors };
        if (version is not null) extensions["version"] = version;
        return new(422, ErrorCodes.ValidationFailed, "The sync is not valid; see errors. Nothing was applied.", extensions);
    }

    public ProblemHttpResult ToProblem() => Problems.Create(Status, Code, Detail, new Dictionary<string, object?>(Extensions));
}

internal abstract record SyncReply
{
    private SyncReply()
    {
    }

    internal sealed record Done(SyncResult Result, bool Replayed) : SyncReply;

    internal sealed record Failed(SyncFailure Failure) : SyncReply;

    public static implicit operator SyncReply(SyncFailure failure) => new Failed(failure);
}
