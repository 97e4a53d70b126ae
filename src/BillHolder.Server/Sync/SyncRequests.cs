using System.Text.Json;
using Microsoft.Extensions.Options;

namespace BillHolder.Server.Sync;

// The parser with this server's limits, answering in SyncFailure terms for both transports.
internal sealed class SyncRequests(IOptions<SyncOptions> options)
{
    public (SyncRequest? Request, SyncFailure? Failure) Parse(JsonElement body, string? idempotencyKey)
    {
        var result = SyncRequestParser.Parse(body, new SyncParseOptions
        {
            IdempotencyKey = idempotencyKey,
            RequireSyncId = true,
            MaxRecords = options.Value.MaxRecordsPerSync,
        });
        return result.IsValid ? (result.Request, null) : (null, SyncFailure.Validation(result.Errors));
    }
}
