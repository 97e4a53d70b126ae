using System.Threading.Channels;
using BillHolder.Server.Infrastructure.Database;
using BillHolder.Server.Infrastructure.Metrics;
using Microsoft.Extensions.Options;

namespace BillHolder.Server.Books.Storage;

// Writes books' checkpoints in the background, one at a time, from the immutable state the cache holds. A
// checkpoint is due when the log after the last one outweighs Sync__CheckpointLogFraction of the book's JSON (so
// the log replayed at a load, and the bytes rewritten per byte of change, stay bounded whatever the book's size),
// or when a book with log rows after its checkpoint has been idle Sync__CheckpointIdleSeconds. It never holds
// anything a sync waits for: syncs lock the head row, a checkpoint only the book row.
internal sealed class Checkpointer(
    BookStore books, BookStateCache cache, DatabaseState database, IOptions<SyncOptions> options, TimeProvider time,
    BillHolderMetrics metrics, ILogger<Checkpointer> logger) : BackgroundService
{
    private readonly Channel<long> _due = Channel.CreateUnbounded<long>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<long, (DateTimeOffset LastWrite, bool Queued)> _books = new();
    private long _written;

    // Checkpoints this process wrote (for tests and operators).
    public long Written => Interlocked.Read(ref _written);

    // Called after every commit of a book and after a load that replayed a log.
    public void Noted(long bookId, StoredBook book)
    {
        if (book.CheckpointVersion >= book.State.Version) return;
        var settings = options.Value;
        var due = book.LogBytesSinceCheckpoint > Math.Max(settings.CheckpointMinLogBytes, settings.CheckpointLogFraction * book.Bytes);
        lock (_books)
        {
            var queued = _books.TryGetValue(bookId, out var entry) && entry.Queued;
            _books[bookId] = (time.GetUtcNow(), queued || due);
            if (due && !queued) _due.Writer.TryWrite(bookId);
        }
    }

    public void Forget(long bookId)
    {
        lock (_books) _books.Remove(bookId);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!database.SchemaReady) await Task.Delay(TimeSpan.FromMilliseconds(200), time, stoppingToken);
            var idle = Task.Run(() => QueueIdleBooksAsync(stoppingToken), stoppingToken);
            await foreach (var bookId in _due.Reader.ReadAllAsync(stoppingToken))
            {
                await CheckpointAsync(bookId, stoppingToken);
            }
            await idle;
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: a checkpoint not written is no loss, the log holds everything.
        }
    }

    // Writes the checkpoint of the cached state of the book now (tests use it to choose the moment).
    public async Task CheckpointAsync(long bookId, CancellationToken cancellationToken)
    {
        lock (_books)
        {
            if (_books.TryGetValue(bookId, out var entry)) _books[bookId] = entry with { Queued = false };
        }
        var book = cache.Get(bookId);
        if (book is null || book.CheckpointVersion >= book.State.Version)
        {
            // Evicted: whoever loads it next replays its log and notes it again.
            if (book is null) Forget(bookId);
            return;
        }
        var version = book.State.Version;
        try
        {
            var written = await books.WriteCheckpointAsync(bookId, book.State, book.LastEditedBy, book.LastEditedAt, cancellationToken);
            var known = written is null ? await books.CheckpointVersionAsync(bookId, cancellationToken) ?? version : version;
            if (written is not null) Interlocked.Increment(ref _written);
            metrics.Checkpoint(written is null ? "superseded" : "written", written);
            // Another process may have written a newer one: either way the log up to `known` is covered.
            cache.Update(bookId, current => current?.CheckpointedAt(known));
            lock (_books)
            {
                if (_books.TryGetValue(bookId, out var entry) && !entry.Queued && cache.Get(bookId) is { } now && now.CheckpointVersion >= now.State.Version)
                {
                    _books.Remove(bookId);
                }
            }
            logger.LogDebug("Checkpoint of book {BookId} at version {Version}: {Bytes} bytes", bookId, version, written);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The book stays noted: the idle sweep tries again.
            metrics.Checkpoint("failed");
            logger.LogWarning(ex, "Checkpoint of book {BookId} at version {Version} failed", bookId, version);
        }
    }

    private async Task QueueIdleBooksAsync(CancellationToken stoppingToken)
    {
        var idle = TimeSpan.FromSeconds(options.Value.CheckpointIdleSeconds);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(Math.Max(1, options.Value.CheckpointIdleSeconds / 4.0)), time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var now = time.GetUtcNow();
            lock (_books)
            {
                foreach (var (bookId, entry) in _books.ToList())
                {
                    if (entry.Queued || now - entry.LastWrite < idle) continue;
                    _books[bookId] = entry with { Queued = true };
                    _due.Writer.TryWrite(bookId);
                }
            }
        }
    }
}
