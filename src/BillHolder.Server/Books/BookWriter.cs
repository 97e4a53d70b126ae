using System.Data.Common;
using System.Security.Cryptography;
using BillHolder.Server.Accounts;
using BillHolder.Server.Books.Engine;
using BillHolder.Server.Books.Storage;
using BillHolder.Server.Infrastructure;
using BillHolder.Server.Infrastructure.Database;
using BillHolder.Server.Infrastructure.Errors;
using BillHolder.Server.Infrastructure.Metrics;
using Microsoft.Extensions.Options;

namespace BillHolder.Server.Books;

// Every sync of a book goes through here, one book at a time. Group commit: the syncs that queue behind a book's
// lock are applied one after another in memory and committed in one transaction (at most Sync__MaxBatchSyncs, and
// Sync__MaxBatchRecords records), each with its own version, log row, receipt and answer. A refused sync
// (validation, unknown wallet, role, ...) affects no other. If the batch's transaction fails, no sync in it is
// acknowledged: each is tried again alone, once, and then answered with its own error. The commit and what
// follows it ignore the callers' cancellation: a caller that hangs up may still have its sync applied, which its
// retry (same syncId) then learns.
internal sealed class BookWriter(
    DbConnectionFactory connections,
    KeyedLock<long> locks,
    BookStateCache cache,
    Checkpointer checkpointer,
    IBookEvents events,
    IOptions<SyncOptions> options,
    TimeProvider time,
    BillHolderMetrics metrics,
    ILogger<BookWriter> logger)
{
    private readonly Dictionary<long, Queue<Pending>> _queues = new();
    private int _largestBatch;
    private long _oneRoundTrips, _oneRoundTripFallbacks;

    // The most syncs one transaction has carried (for tests and operators).
    public int LargestBatch => Volatile.Read(ref _largestBatch);

    // Syncs committed in one round trip, and those the database refused there (they took the full path).
    internal long OneRoundTrips => Interlocked.Read(ref _oneRoundTrips);

    internal long OneRoundTripFallbacks => Interlocked.Read(ref _oneRoundTripFallbacks);

    // Syncs of the book waiting for their batch, the running batch's included.
    internal int Queued(long bookId)
    {
        lock (_queues) return _queues.TryGetValue(bookId, out var queue) ? queue.Count : 0;
    }

    public Task<Result<SyncResult>> SyncAsync(long bookId, CurrentUser user, SyncRequest request, string? origin, CancellationToken cancellationToken)
    {
        var pending = new Pending(user, request, origin, PayloadHash(request));
        bool drain;
        lock (_queues)
        {
            drain = !_queues.TryGetValue(bookId, out var queue);
            if (drain) _queues[bookId] = queue = new Queue<Pending>();
            queue!.Enqueue(pending);
        }
        // A queue exists exactly while one drainer serves it.
        return drain ? DrainFirstAsync(bookId, pending, cancellationToken) : pending.Done.Task.WaitAsync(cancellationToken);
    }

    // The sync that found no queue commits the first batch itself (for a lone sync, the usual case, no hop to the
    // thread pool and back), then hands what queued meanwhile to a background drainer and answers.
    private async Task<Result<SyncResult>> DrainFirstAsync(long bookId, Pending pending, CancellationToken cancellationToken)
    {
        if (await DrainOnceAsync(bookId) && !ReleaseIfEmpty(bookId)) _ = Task.Run(() => DrainAsync(bookId));
        return await pending.Done.Task.WaitAsync(cancellationToken);
    }

    private async Task DrainAsync(long bookId)
    {
        while (await DrainOnceAsync(bookId))
        {
        }
    }

    // One batch, or false when the queue was empty (and is now gone).
    private async Task<bool> DrainOnceAsync(long bookId)
    {
        // Under the book's lock: a deletion of the book happens between batches, never inside one.
        using (await locks.LockAsync(bookId, CancellationToken.None))
        {
            var batch = Take(bookId);
            if (batch is null) return false;
            await RunAsync(bookId, batch);
            return true;
        }
    }

    // An empty queue goes, so the next sync of the book drains again.
    private bool ReleaseIfEmpty(long bookId)
    {
        lock (_queues)
        {
            if (_queues[bookId].Count > 0) return false;
            _queues.Remove(bookId);
            return true;
        }
    }

    private List<Pending>? Take(long bookId)
    {
        var settings = options.Value;
        lock (_queues)
        {
            if (ReleaseIfEmpty(bookId)) return null;
            var queue = _queues[bookId];
            var batch = new List<Pending> { queue.Dequeue() };
            var records = batch[0].Request.Changes.Count;
            while (batch.Count < settings.MaxBatchSyncs && queue.TryPeek(out var next) && records + next.Request.Changes.Count <= settings.MaxBatchRecords)
            {
                records += next.Request.Changes.Count;
                batch.Add(queue.Dequeue());
            }
            return batch;
        }
    }

    private async Task RunAsync(long bookId, List<Pending> batch)
    {
        try
        {
            await CommitRetryingContentionAsync(bookId, batch);
        }
        catch (Exception ex) when (batch.Count > 1)
        {
            logger.LogWarning(ex, "A batch of {Count} syncs of book {BookId} failed; each is tried alone", batch.Count, bookId);
            foreach (var pending in batch)
            {
                try
                {
                    await CommitRetryingContentionAsync(bookId, [pending]);
                }
                catch (Exception alone)
                {
                    Fail(pending, alone);
                }
            }
        }
        catch (Exception ex)
        {
            Fail(batch[0], ex);
        }
    }

    // A deadlock or lock wait rolled the whole batch back: tried once more before it counts as failed.
    private Task CommitRetryingContentionAsync(long bookId, List<Pending> batch) =>
        Contention.RetryOnceAsync(async () =>
        {
            await CommitAsync(bookId, batch);
            return true;
        }, logger, "a sync");

    // The transaction is begun, and usually committed, by statements that ride with the batch's reads and writes
    // (StatementTransaction): a batch of a cached book makes one round trip (TryOneRoundTripAsync), any other batch
    // two: begin and lock, then write and commit.
    private async Task CommitAsync(long bookId, List<Pending> batch)
    {
        await using var connection = await connections.OpenAsync(CancellationToken.None);
        var committed = false;
        try
        {
            committed = await TryOneRoundTripAsync(connection, bookId, batch) || await ApplyAndCommitAsync(connection, bookId, batch);
        }
        finally
        {
            if (!committed) await StatementTransaction.RollBackAsync(connection, logger);
        }
    }

    // The usual batch, optimistically: applied in memory to the cached book, as if the book were still at that
    // version and every user in it still an editor, and sent with its lock, conditional writes and COMMIT in one
    // round trip. The writes happen only if the database agrees (for every log row: the head at the cached version,
    // the row's user an editor or owner, read after the lock, so a membership change is never missed: it locks the
    // head row first). Otherwise a log row is refused with an error, nothing after it runs (no COMMIT), the
    // transaction is rolled back and the whole batch takes the two-round-trip path, which decides with what the
    // database holds. So does a syncId already answered (its receipt insert fails), and any batch with a sync the
    // fast path does not know to answer: a refusal, a sync that changes nothing, one that needs bases from the log or
    // an answer from the log, a syncId twice. False when nothing was committed.
    private async Task<bool> TryOneRoundTripAsync(DbConnection connection, long bookId, List<Pending> batch)
    {
        if (cache.Get(bookId) is not { } cached) return false;
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var book = cached;
        var syncIds = new HashSet<string>(StringComparer.Ordinal);
        var steps = new List<(Step Step, LogRow Row, ChangeSet Changes)>(batch.Count);
        foreach (var pending in batch)
        {
            if (!syncIds.Add(pending.Request.SyncId) || SyncBases.Needed(book.State, pending.Request).Any) return false;
            var step = Apply(bookId, book, pending, now, SyncBases.None);
            if (step is not { Row: { } row, Answer: { Result: not null, Pushed: not null } } || FromMemory(bookId, step.Answer) is not { } changes)
            {
                return false;
            }
            steps.Add((step, row, changes));
            book = step.Book;
        }
        // No isolation level of its own: its only plain reads (the log rows' conditions) come after the head row's
        // lock, and see every membership change committed before it at any level (at REPEATABLE READ the snapshot
        // starts at the first plain read; a membership change in progress would hold the head row's lock).
        var writes = new SqlBatch(connection, null);
        writes.Add(StatementTransaction.Start);
        writes.Add(BookStore.LockHeadRow, new { BookId = bookId });
        foreach (var (step, row, _) in steps)
        {
            ChangeLogStore.AppendIfCurrent(writes, row, cached.State.Version);
            ReceiptStore.Insert(writes, bookId, step.Answer.Sync.Request.SyncId, step.Answer.Sync.PayloadHash, step.Answer.Result!, now);
        }
        writes.Add(BookStore.UpdateHead, BookStore.HeadParameters(bookId, book.State, book.LastEditedBy, book.LastEditedAt));
        writes.Add(StatementTransaction.Commit);
        try
        {
            await writes.ExecuteAsync(CancellationToken.None);
        }
        catch (DbException ex) when (DbConnectionFactory.IsRefusedWrite(ex))
        {
            // The book moved on or a user may no longer edit it (a log row's version is NULL), or a receipt is
            // already there (a retry): nothing of the batch committed, and the full path decides. Anything else (an
            // outage, a deadlock) is handled as on the full path.
            logger.LogDebug(ex, "The one-round-trip batch of {Count} syncs of book {BookId} was refused; it takes the full path", batch.Count, bookId);
            await StatementTransaction.RollBackAsync(connection, logger);
            Interlocked.Add(ref _oneRoundTripFallbacks, batch.Count);
            metrics.OneRoundTrip(committed: false, batch.Count);
            return false;
        }
        Interlocked.Add(ref _oneRoundTrips, batch.Count);
        metrics.OneRoundTrip(committed: true, batch.Count);
        metrics.CacheLookup(found: true, current: true);
        Committed(bookId, batch, book, [.. steps.Select(s => (s.Step.Answer.Pushed!, s.Step.Answer.Sync.Origin, s.Step.Answer.Sync))],
            [.. steps.Select(s => (s.Step.Answer, (ChangeSet?)s.Changes))]);
        return true;
    }

    // True once the batch's transaction committed; false when it ended with nothing to commit.
    private async Task<bool> ApplyAndCommitAsync(DbConnection connection, long bookId, List<Pending> batch)
    {
        var none = CancellationToken.None;
        var start = await BookStore.BeginAndLockForSyncAsync(connection, bookId, batch.Select(p => p.User.Id),
            batch.Select(p => p.Request.SyncId), none);
        if (start is null)
        {
            foreach (var pending in batch) Reply(pending, ApiError.BookNotFound);
            return false;
        }

        var cached = cache.Get(bookId);
        metrics.CacheLookup(cached is not null, cached?.State.Version == start.Head.Version);
        var loaded = await BookLoader.LoadAsync(connection, null, start.Head, cached, none);
        var book = loaded;
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var writes = new SqlBatch(connection, null);
        var answers = new List<Answer>(batch.Count);
        var pushes = new List<(ChangeSet Changes, string? Origin, Pending Sync)>();
        var answered = new Dictionary<string, (string Hash, SyncResult Result)>(StringComparer.Ordinal);
        var unwritten = new List<(long Version, PreImages PreImages)>();
        foreach (var pending in batch)
        {
            var request = pending.Request;
            if (BookAccess.Check(BookRoles.Parse(start.Roles.GetValueOrDefault(pending.User.Id)), BookRole.Editor) is { } denied)
            {
                answers.Add(new Answer(pending, denied));
                continue;
            }

            // A syncId seen before, in an earlier commit or earlier in this batch, is answered, never applied again.
            var previous = answered.TryGetValue(request.SyncId, out var inBatch) ? inBatch
                : start.Receipts.TryGetValue(request.SyncId, out var receipt) ? (receipt.PayloadHash, ReceiptStore.Read(receipt.Result))
                : ((string Hash, SyncResult Result)?)null;
            if (previous is { } first)
            {
                answers.Add(first.Hash == pending.PayloadHash
                    ? new Answer(pending, first.Result with { Replayed = true }, book, null)
                    : new Answer(pending, new ApiError(StatusCodes.Status409Conflict, ErrorCodes.SyncIdReused,
                        $"The syncId '{request.SyncId}' was already used for a different sync of this book.",
                        new Dictionary<string, object?> { ["version"] = book.State.Version })));
                continue;
            }

            // Rule 12: a client whose records are at their stored versions needs no base read; else one query.
            var needs = SyncBases.Needed(book.State, request);
            var bases = needs.Any
                ? await ChangeLogStore.FindBasesAsync(connection, null, bookId, loaded.State.Version, needs, unwritten, none)
                : SyncBases.None;
            var step = Apply(bookId, book, pending, now, bases);
            answers.Add(step.Answer);
            if (step.Row is { } row)
            {
                unwritten.Add((row.Version, step.PreImages!));
                ChangeLogStore.Append(writes, row);
                pushes.Add((step.Answer.Pushed!, pending.Origin, pending));
            }
            book = step.Book;
            if (step.Answer.Result is { } result)
            {
                ReceiptStore.Insert(writes, bookId, request.SyncId, pending.PayloadHash, result, now);
                answered[request.SyncId] = (pending.PayloadHash, result);
            }
        }

        if (book.State.Version != loaded.State.Version)
        {
            writes.Add(BookStore.UpdateHead, BookStore.HeadParameters(bookId, book.State, book.LastEditedBy, book.LastEditedAt));
        }
        // Answers come from memory unless a client is further behind than the recent window: then the log is read
        // after the writes (it must see them) and the COMMIT goes alone. Otherwise it ends the writes' round trip:
        // the driver sends a batch of text statements as one multi-statement query, which the database runs in
        // order and stops at the first error, so a failed write never commits (GroupCommitTests prove it).
        var answerChanges = answers.Select(answer => answer.Error is null ? FromMemory(bookId, answer) : null).ToArray();
        var fromLog = answers.Select((answer, i) => answer.Error is null && answerChanges[i] is null).ToArray();
        if (!fromLog.Contains(true)) writes.Add(StatementTransaction.Commit);
        await writes.ExecuteAsync(none);
        if (fromLog.Contains(true))
        {
            for (var i = 0; i < answers.Count; i++)
            {
                if (!fromLog[i]) continue;
                answerChanges[i] = await ChangeLogStore.ChangesSinceAsync(connection, null, bookId, answers[i].After!.State,
                    answers[i].Sync.Request.BaseVersion, none);
            }
            await StatementTransaction.CommitAsync(connection);
        }
        Committed(bookId, batch, book, pushes, [.. answers.Select((answer, i) => (answer, answerChanges[i]))]);
        return true;
    }

    // What one sync does to the book in memory: its answer (with its result and the change set it pushes), the book
    // after it and, when it changed something, its log row and the pre-images that row holds. A refusal leaves the
    // book as it was and has no result (no receipt: a corrected retry may still apply).
    private Step Apply(long bookId, StoredBook book, Pending pending, long now, SyncBases bases)
    {
        var request = pending.Request;
        var outcome = SyncEngine.Apply(book.State, request, pending.User.Username, now, bases);
        if (outcome is SyncOutcome.Rejected rejected) return new Step(new Answer(pending, Rejection(rejected, book.State.Version)), book);
        var applied = (SyncOutcome.Applied)outcome;
        // The engine does not know the book's id: what it says of the book's name and remark carries 0.
        var conflicts = applied.Conflicts.Select(c => c.Collection == MergeConflict.BookCollection ? c with { Id = bookId } : c).ToList();
        var wholeRecords = applied.WholeRecords.Select(w => w.Collection == MergeConflict.BookCollection ? w with { Id = bookId } : w).ToList();
        var result = new SyncResult(bookId, request.SyncId, applied.Book.Version, applied.Changes.Any, applied.IdMap,
            [.. applied.Skipped.Select(SkippedDto.From)], null) { Conflicts = conflicts, WholeRecords = wholeRecords };
        if (!applied.Changes.Any) return new Step(new Answer(pending, result, book, null), book);

        var pushed = ChangeSet.Of(bookId, book.State.Version, applied, pending.User.Username, conflicts);
        var sizes = CollectionSizes.After(book.CollectionBytes, book.State, pushed);
        if (TooLarge(options.Value, book, applied.Book, sizes) is { } tooLarge) return new Step(new Answer(pending, tooLarge), book);
        var preImages = PreImages.Of(book.State, applied.Changes);
        var row = ChangeLogStore.Row(pushed, preImages, request.SyncId, pending.User.Id, pending.User.Username, applied.Changes.Summary, now);
        var after = (book with { State = applied.Book, CollectionBytes = sizes, LastEditedBy = pending.User.Username, LastEditedAt = now })
            .Logged(applied.Book.Version, row.Bytes, pushed);
        return new Step(new Answer(pending, result, after, pushed), after, row, preImages);
    }

    private sealed record Step(Answer Answer, StoredBook Book, LogRow? Row = null, PreImages? PreImages = null);

    // After the commit, still under the book's lock (so events leave in version order): the cache, the pushes, the
    // checkpointer, and the answers.
    private void Committed(long bookId, List<Pending> batch, StoredBook book, List<(ChangeSet Changes, string? Origin, Pending Sync)> pushes,
        List<(Answer Answer, ChangeSet? Changes)> answers)
    {
        metrics.BatchCommitted(batch.Count);
        cache.Offer(bookId, book);
        for (var seen = Volatile.Read(ref _largestBatch); batch.Count > seen; seen = Volatile.Read(ref _largestBatch))
        {
            if (Interlocked.CompareExchange(ref _largestBatch, batch.Count, seen) == seen) break;
        }
        foreach (var (changes, origin, sync) in pushes)
        {
            logger.LogInformation("Applied sync {SyncId} to book {BookId} at version {Version} by {Username}",
                sync.Request.SyncId, bookId, changes.ToVersion, sync.User.Username);
            events.BookChanged(changes, origin);
        }
        // The cached entry also knows of checkpoints written while this batch ran.
        checkpointer.Noted(bookId, cache.Get(bookId) ?? book);
        foreach (var (answer, changes) in answers)
        {
            Reply(answer.Sync, answer.Error is { } error ? error : answer.Result! with { Changes = changes });
        }
    }

    // The common case, a client that was up to date, needs exactly what its sync changed; a client a few versions
    // behind gets the recent window's changes from memory; null: only the log has them.
    private static ChangeSet? FromMemory(long bookId, Answer answer)
    {
        var baseVersion = answer.Sync.Request.BaseVersion;
        var after = answer.After!;
        return answer.Pushed is { } pushed && baseVersion == pushed.FromVersion ? pushed
            : ChangeLogStore.ChangesWithoutLog(bookId, after.State, baseVersion) ?? after.RecentChangesSince(bookId, baseVersion!.Value);
    }

    // Only growth is refused: a book already over a lowered limit can still be edited and shrunk. Before is null
    // for a book being created.
    internal static ApiError? TooLarge(SyncOptions settings, StoredBook? before, BookState after, ByCollection<long> sizes)
    {
        var errors = new List<string>();
        if (after.RecordCount > settings.MaxRecordsPerBook && after.RecordCount > (before?.State.RecordCount ?? 0))
        {
            errors.Add($"would hold {after.RecordCount} records; a book holds at most {settings.MaxRecordsPerBook}");
        }
        foreach (var collection in Collections.All)
        {
            if (sizes[collection] > settings.MaxCollectionBytes && sizes[collection] > (before?.CollectionBytes[collection] ?? 0))
            {
                errors.Add($"its {collection.JsonName()} would take {sizes[collection]} bytes of JSON; a collection takes at most {settings.MaxCollectionBytes}");
            }
        }
        return errors.Count == 0 ? null
            : ApiError.Validation(new Dictionary<string, string[]> { ["book"] = [.. errors] }, version: before?.State.Version ?? 0);
    }

    internal static ApiError Rejection(SyncOutcome.Rejected rejected, long version)
    {
        var extensions = new Dictionary<string, object?> { ["version"] = version };
        if (rejected.Errors is not null) extensions["errors"] = rejected.Errors;
        if (rejected.References is not null)
        {
            extensions["references"] = rejected.References.Select(r => new { collection = r.Collection.JsonName(), id = r.Id }).ToList();
        }
        var status = rejected.Code == ErrorCodes.ValidationFailed ? StatusCodes.Status422UnprocessableEntity : StatusCodes.Status409Conflict;
        return new ApiError(status, rejected.Code, rejected.Detail, extensions);
    }

    // Canonical form of what was asked, so a retry over another transport still matches. baseVersion only
    // shapes the answer's changes, so a retry after a pull (a newer baseVersion) is still the same sync.
    private static string PayloadHash(SyncRequest request) =>
        Convert.ToHexStringLower(SHA256.HashData(BookJson.Utf8(request with { BaseVersion = null })));

    // The sync's answer, and its metric (where the answer is given: no continuation to schedule per sync).
    private void Reply(Pending pending, Result<SyncResult> reply)
    {
        if (pending.Done.TrySetResult(reply)) metrics.ObserveSync(reply, pending.Request.Changes.Count, pending.Started);
    }

    private void Fail(Pending pending, Exception exception)
    {
        if (pending.Done.TrySetException(exception)) metrics.ObserveSync(exception, pending.Request.Changes.Count, pending.Started);
    }

    private sealed record Pending(CurrentUser User, SyncRequest Request, string? Origin, string PayloadHash)
    {
        public long Started { get; } = System.Diagnostics.Stopwatch.GetTimestamp();

        public TaskCompletionSource<Result<SyncResult>> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    // A refusal, or a result with the book right after it (for its changes) and what it pushed.
    private sealed record Answer(Pending Sync, ApiError? Error, SyncResult? Result = null, StoredBook? After = null, ChangeSet? Pushed = null)
    {
        public Answer(Pending sync, ApiError error) : this(sync, error, null) { }

        public Answer(Pending sync, SyncResult result, StoredBook after, ChangeSet? pushed) : this(sync, null, result, after, pushed) { }
    }
}
