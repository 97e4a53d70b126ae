using System.ComponentModel.DataAnnotations;

namespace BillHolder.Server.Books;

internal sealed class SyncOptions
{
    public const string SectionName = "Sync";

    // Records in one sync, over all four collections.
    [Range(1, 100_000)]
    public int MaxRecordsPerSync { get; set; } = 5_000;

    // Records a book may hold over all four collections. Every sync rewrites the collections it touches, so
    // this bounds the cost of a sync and keeps each JSON column well under the database's max_allowed_packet.
    [Range(1, 10_000_000)]
    public int MaxRecordsPerBook { get; set; } = 50_000;

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

    // Invite codes a user may present per minute (accepted or not).
    [Range(1, 1_000_000)]
    public int InviteAcceptsPerMinute { get; set; } = 10;

    // Books kept parsed in memory, counted in records, so a sync need not re-read and re-parse its book.
    [Range(0, 100_000_000)]
    public int CachedRecords { get; set; } = 2_000_000;
}
