using System.ComponentModel.DataAnnotations;

namespace BillHolder.Server.Books;

internal sealed class SyncOptions
{
    public const string SectionName = "Sync";

    // Records in one sync, over all four collections.
    [Range(1, 100_000)]
    public int MaxRecordsPerSync { get; set; } = 5_000;

    // Records a book may hold over all four collections. A sync costs what it changes, not what the book holds;
    // this bounds memory per book and the cost of a first load.
    [Range(1, 10_000_000)]
    public int MaxRecordsPerBook { get; set; } = 200_000;

    // JSON bytes one collection column may take: a checkpoint writes each collection in one statement, which the
    // database's max_allowed_packet must carry (with escaping, about twice this; reading a book row carries all four).
    [Range(1024, 512L * 1024 * 1024)]
    public long MaxCollectionBytes { get; set; } = 64L * 1024 * 1024;

    // A checkpoint is due when the log after the last one outweighs this fraction of the book's JSON
    // (and CheckpointMinLogBytes), or after the book has been idle CheckpointIdleSeconds. 1: a cold load replays at
    // most one book's worth of log, and checkpoints add about one log row's worth of redo per sync (0.25 added
    // three: benchmarks/RESULTS.md).
    [Range(0.01, 1000)]
    public double CheckpointLogFraction { get; set; } = 1.0;

    [Range(0, 1L << 40)]
    // Small books are not rewritten every few syncs: replaying 256 KiB of log at a cold load takes milliseconds.
    public long CheckpointMinLogBytes { get; set; } = 256 * 1024;

    [Range(1, 7 * 24 * 3600)]
    public int CheckpointIdleSeconds { get; set; } = 30;

    // Group commit: at most this many queued syncs of one book, with at most this many records together, share a
    // transaction.
    [Range(1, 1000)]
    public int MaxBatchSyncs { get; set; } = 32;

    [Range(1, 1_000_000)]
    public int MaxBatchRecords { get; set; } = 10_000;

    // Request body of a REST sync or book creation, in bytes.
    [Range(1024, 64L * 1024 * 1024)]
    public long MaxSyncBodyBytes { get; set; } = 4 * 1024 * 1024;

    // How long a syncId is remembered (a retry within it is answered, never applied twice).
    [Range(7, 3650)]
    public int ReceiptRetentionDays { get; set; } = 7;

    // How long the change log is kept for pulls and history; 0 keeps it forever. Older pulls get a full snapshot.
    [Range(0, 36500)]
    public int ChangeLogRetentionDays { get; set; }

    // REST syncs per user: a token bucket of this size, refilled at this rate per second.
    [Range(1, 1_000_000)]
    public int RateLimitBurst { get; set; } = 60;

    [Range(1, 1_000_000)]
    public int RateLimitPerSecond { get; set; } = 30;

    // Invites are deleted this many days after they expired (hourly); until then their owner still sees them listed.
    [Range(0, 3650)]
    public int ExpiredInviteRetentionDays { get; set; } = 7;

    // Invite codes a user may present per minute (accepted or not).
    [Range(1, 1_000_000)]
    public int InviteAcceptsPerMinute { get; set; } = 10;

    // Books kept parsed in memory, counted in records, so a sync need not re-read and re-parse its book. A parsed
    // record takes about 0.9 KB of heap (benchmarks: --memory), so the default is about 450 MB.
    [Range(0, 100_000_000)]
    public int CachedRecords { get; set; } = 500_000;

    // Records in one page of GET /api/books/{bookId}/snapshot (and the hub's ReadSnapshotPage) by default.
    public const int DefaultSnapshotPage = 1_000;

    public const int MaxSnapshotPage = 5_000;
}
