using System.Diagnostics;
using BillHolder.Server.Infrastructure.Database;
using BillHolder.Server.Infrastructure.Errors;
using BillHolder.Server.Infrastructure.Metrics;

namespace BillHolder.Server.Books;

internal static class SyncMetrics
{
    // One sync, from joining its book's queue to its answer: applied (the version moved), unchanged (nothing to
    // change), replayed (a known syncId), rejected (with its code; a failed commit as database_unavailable or
    // internal_error). Only what reached the queue counts: a body the parser refused never became a sync.
    public static async Task ObserveSync(this BillHolderMetrics metrics, Task<Result<SyncResult>> answer, int records)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var outcome = await answer;
            if (!outcome.IsOk) metrics.SyncAnswered("rejected", outcome.Error.Code, records, started, conflicts: 0);
            else if (outcome.Value.Replayed) metrics.SyncAnswered("replayed", "none", records, started, conflicts: 0);
            else metrics.SyncAnswered(outcome.Value.Applied ? "applied" : "unchanged", "none", records, started, outcome.Value.Conflicts.Count);
        }
        catch (Exception ex)
        {
            var code = DatabaseBreaker.IsRefusal(ex) || DbConnectionFactory.IsOutage(ex) ? ErrorCodes.DatabaseUnavailable : ErrorCodes.InternalError;
            metrics.SyncAnswered("rejected", code, records, started, conflicts: 0);
        }
    }
}
