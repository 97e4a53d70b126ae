using BillHolder.Server.Infrastructure.Database;
using BillHolder.Server.Infrastructure.Errors;
using BillHolder.Server.Infrastructure.Metrics;

namespace BillHolder.Server.Books;

internal static class SyncMetrics
{
    // One sync, from joining its book's queue to its answer: applied (the version moved), unchanged (nothing to
    // change), replayed (a known syncId), rejected (with its code; a failed commit as database_unavailable or
    // internal_error). Only what reached the queue counts: a body the parser refused never became a sync.
    public static void ObserveSync(this BillHolderMetrics metrics, Result<SyncResult> outcome, int records, long started)
    {
        if (!outcome.IsOk) metrics.SyncAnswered("rejected", outcome.Error.Code, records, started, conflicts: 0);
        else if (outcome.Value.Replayed) metrics.SyncAnswered("replayed", "none", records, started, conflicts: 0);
        else metrics.SyncAnswered(outcome.Value.Applied ? "applied" : "unchanged", "none", records, started, outcome.Value.Conflicts.Count);
    }

    public static void ObserveSync(this BillHolderMetrics metrics, Exception failure, int records, long started)
    {
        var code = DatabaseBreaker.IsRefusal(failure) || DbConnectionFactory.IsOutage(failure) ? ErrorCodes.DatabaseUnavailable : ErrorCodes.InternalError;
        metrics.SyncAnswered("rejected", code, records, started, conflicts: 0);
    }
}
