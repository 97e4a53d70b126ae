using System.ComponentModel.DataAnnotations;

namespace BillHolder.Server.Realtime;

internal sealed class RealtimeOptions
{
    public const string SectionName = "Realtime";

    // Largest incoming hub message; SignalR closes a connection that sends a larger one.
    [Range(1024, 64L * 1024 * 1024)]
    public long MaxMessageBytes { get; set; } = 1024 * 1024;

    [Range(1, 10_000)]
    public int MaxOpenBooksPerConnection { get; set; } = 50;

    // Connections one user may hold at once (each costs the server ~60 KiB): phones, tablets, browser tabs.
    [Range(1, 10_000)]
    public int MaxConnectionsPerUser { get; set; } = 20;

    // Pushes waiting for one connection; a connection that falls this far behind is closed (it reconnects and
    // catches up with OpenBook(sinceVersion)), so one slow client never holds back a book.
    [Range(1, 100_000)]
    public int OutboxCapacity { get; set; } = 256;

    // Hub invocations per user (over all their connections): a token bucket of this size, refilled at this rate per second.
    [Range(1, 100_000)]
    public int InvocationBurst { get; set; } = 40;

    [Range(1, 100_000)]
    public int InvocationsPerSecond { get; set; } = 20;

    // Books larger than this are not sent whole by OpenBook: it answers snapshot_too_large and the client pages
    // (ReadSnapshotPage). The default was the book cap before paging existed, so no existing client notices.
    [Range(1, 10_000_000)]
    public int MaxSnapshotRecords { get; set; } = 50_000;

    // Several instances (ConnectionStrings:Redis set): how often each instance compares the stored version of every
    // book open on it with the last one it pushed, so a lost notice costs at most this long.
    [Range(1, 3600)]
    public int VersionPollSeconds { get; set; } = 5;

    // Several instances: how long a presence or connection entry of an instance lives in Redis unless that instance
    // refreshes it (every third of this); a killed instance's users disappear within it.
    [Range(3, 3600)]
    public int PresenceTtlSeconds { get; set; } = 30;
}
