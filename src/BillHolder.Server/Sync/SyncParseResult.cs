using System.Diagnostics.CodeAnalysis;

namespace BillHolder.Server.Sync;

// IdempotencyKey is the header fallback for a body without syncId. OnlyNew demands status "new" on every
// record (book creation). MaxRecords bounds the records of all collections together.
internal sealed record SyncParseOptions(string? IdempotencyKey = null, bool RequireSyncId = true,
    bool OnlyNew = false, int MaxRecords = SyncParseOptions.DefaultMaxRecords)
{
    public const int DefaultMaxRecords = 5000;
}

// Request is null exactly when Errors is non-empty. When RequireSyncId is false and no id was sent,
// Request.SyncId is the empty string.
internal sealed record SyncParseResult(SyncRequest? Request, IReadOnlyDictionary<string, string[]> Errors)
{
    [MemberNotNullWhen(true, nameof(Request))]
    public bool IsValid => Request is not null;
}

internal sealed record NewBookRequest(string Name, string? Remark, SyncChanges Changes);

internal sealed record NewBookParseResult(NewBookRequest? Book, IReadOnlyDictionary<string, string[]> Errors)
{
    [MemberNotNullWhen(true, nameof(Book))]
    public bool IsValid => Book is not null;
}
