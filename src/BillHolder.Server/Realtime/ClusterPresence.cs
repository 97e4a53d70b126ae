using BillHolder.Server.Infrastructure;
using BillHolder.Server.Infrastructure.Redis;
using Microsoft.Extensions.Options;

namespace BillHolder.Server.Realtime;

// What this instance holds, as entries in Redis that expire unless it refreshes them: per book, the users who have
// it open here ("instance|username" in a sorted set scored by expiry), and per user, the hub connections here (for
// the shared connection cap). An instance killed with kill -9 stops refreshing, and every instance's sweep removes
// its entries within Realtime:PresenceTtlSeconds; a sweep that removes presence tells the book's connections.
internal sealed class ClusterPresence(
    SharedLimits shared,
    BookSubscriptions subscriptions,
    InstanceIdentity instance,
    IOptions<RealtimeOptions> options,
    ILogger<ClusterPresence> logger)
{
    // Per book, the usernames this instance last wrote, so that a user who left is removed, not left to expire.
    private readonly Dictionary<long, HashSet<string>> _written = new();
    private readonly SemaphoreSlim _writing = new(1, 1);

    // Set by BookFanout (which depends on this class): how a sweep that removed someone is told to the book.
    internal Action<long>? SweptPresence { get; set; }

    private TimeSpan Ttl => TimeSpan.FromSeconds(options.Value.PresenceTtlSeconds);

    private static string BookSet(long bookId) => $"presence:{bookId}";

    private static string UserSet(long userId) => $"connections:{userId}";

    private string Entry(string name) => $"{instance.Id}|{name}";

    // Brings Redis in line with who has the book open here. Returns whether Redis was reachable.
    public async Task<bool> WriteAsync(long bookId)
    {
        await _writing.WaitAsync();
        try
        {
            // Read under the lock: a heartbeat must not write back a snapshot older than a push's.
            var here = subscriptions.Presence(bookId).ToHashSet(StringComparer.Ordinal);
            var before = _written.GetValueOrDefault(bookId) ?? [];
            var gone = before.Where(u => !here.Contains(u)).Select(Entry).ToList();
            if (gone.Count > 0 && await shared.RemoveAsync(BookSet(bookId), gone) is null) return false;
            if (here.Count > 0 && await shared.RefreshAsync(BookSet(bookId), [.. here.Select(Entry)], Ttl) is null) return false;
            if (here.Count == 0) _written.Remove(bookId);
            else _written[bookId] = here;
            return true;
        }
        finally
        {
            _writing.Release();
        }
    }

    // The usernames present in the book over all instances, sorted; null when Redis cannot tell (the caller uses
    // this instance's own). Expired entries are swept on the way.
    public async Task<IReadOnlyList<string>?> ReadAsync(long bookId)
    {
        if (await shared.SweepAsync(BookSet(bookId)) is not { } read) return null;
        if (read.Swept > 0) SweptPresence?.Invoke(bookId);
        return [.. read.Live.Select(e => e[(e.IndexOf('|') + 1)..]).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    // A hub connection may join when the user holds fewer than `max` over all instances. Null: Redis cannot tell.
    public Task<bool?> TryConnectAsync(string connectionId, long userId, int max) =>
        shared.AddBoundedAsync(UserSet(userId), Entry(connectionId), max, Ttl);

    public void Disconnected(string connectionId, long userId) =>
        _ = shared.RemoveAsync(UserSet(userId), [Entry(connectionId)]);

    // Every heartbeat: refresh all of this instance's entries, rewrite the presence of its open books (which also
    // repairs what Redis lost in a restart), and sweep theirs, telling a book whose presence a sweep shrank.
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        if (!shared.IsShared) return;
        foreach (var byUser in subscriptions.LiveConnections().GroupBy(c => c.UserId))
        {
            if (await shared.RefreshAsync(UserSet(byUser.Key), [.. byUser.Select(c => Entry(c.ConnectionId))], Ttl) is null) return;
        }
        List<long> books;
        await _writing.WaitAsync(cancellationToken);
        try
        {
            books = [.. _written.Keys.Union(subscriptions.OpenBooks().Select(b => b.BookId))];
        }
        finally
        {
            _writing.Release();
        }
        foreach (var bookId in books)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!await WriteAsync(bookId)) return;
            if (!subscriptions.Tracks(bookId)) continue;
            if (await shared.SweepAsync(BookSet(bookId)) is { Swept: > 0 } swept)
            {
                logger.LogInformation("Swept {Count} expired presence entr(ies) of book {BookId}", swept.Swept, bookId);
                SweptPresence?.Invoke(bookId);
            }
        }
    }
}
