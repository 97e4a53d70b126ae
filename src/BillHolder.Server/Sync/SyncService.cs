using System.Data;
using System.Data.Common;
using System.Security.Cryptography;
using System.Text.Json;
using BillHolder.Server.Accounts;
using BillHolder.Server.Books;
using BillHolder.Server.Infrastructure.Database;
using BillHolder.Server.Infrastructure.Errors;
using BillHolder.Server.Realtime;
using Microsoft.Extensions.Options;

namespace BillHolder.Server.Sync;

// Wraps the pure engine with what a real sync needs: authorization, the per-book locks, one transaction,
// idempotency receipts, the change log, the parsed-book cache and the push to collaborators.
internal sealed class SyncService(
    DbConnectionFactory connections,
    BookLocks locks,
    BookStateCache cache,
    BookFanout fanout,
    IOptions<SyncOptions> options,
    TimeProvider time,
    ILogger<SyncService> logger)
{
    public async Task<SyncReply> SyncAsync(long bookId, CurrentUser user, SyncRequest request, string? originConnectionId,
        CancellationToken cancellationToken)
    {
        var payloadHash = PayloadHash(request);
        using var bookLock = await locks.LockAsync(bookId, cancellationToken);
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);

        var start = await SyncLogStore.LockForSyncAsync(connection, transaction, bookId, user.Id, request.SyncId, cancellationToken);
        var role = BookRoles.Parse(start?.Role);
        if (start is null || role is null) return SyncFailure.BookNotFound;
        if (role < BookRole.Editor) return SyncFailure.Forbidden("Viewers cannot change this book; ask an owner for the editor role.");

        var state = cache.Get(bookId, start.Version) ?? await LoadAsync(connection, transaction, bookId, cancellationToken);
        if (start.PayloadHash is not null)
        {
            if (start.PayloadHash != payloadHash)
            {
                return new SyncFailure(409, ErrorCodes.SyncIdReused,
                    $"The syncId '{request.SyncId}' was already used for a different sync of this book.",
                    new Dictionary<string, object?> { ["version"] = state.Version });
            }
            var first = JsonSerializer.Deserialize<SyncResult>(start.Result!, BookJson.Options)!;
            var current = await ChangesAsync(connection, transaction, bookId, state, request.BaseVersion, cancellationToken);
            return new SyncReply.Done(first with { Changes = current }, Replayed: true);
        }

        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var outcome = SyncEngine.Apply(state, request, user.Username, now);
        if (outcome is SyncOutcome.Rejected rejected) return Rejection(rejected, state.Version);
        var applied = (SyncOutcome.Applied)outcome;
        if (TooLarge(state, applied.Book) is { } tooLarge) return tooLarge;

        var result = new SyncResult(bookId, request.SyncId, applied.Book.Version, applied.Changes.Any, ToDto(applied.IdMap),
            [.. applied.Skipped.Select(s => new SkippedDto(s.Collection.JsonName(), s.Id, (int)s.Status, s.Reason))], null);
        ChangeSet? pushed = null;
        if (applied.Changes.Any)
        {
            await BookStore.SaveAsync(connection, transaction, bookId, state, applied.Book, user.Username, now, cancellationToken);
            pushed = ChangeSetOf(bookId, state.Version, applied);
            await SyncLogStore.AppendAsync(connection, transaction, pushed, request.SyncId, user.Id, user.Username,
                SummaryOf(applied.Changes), now, cancellationToken);
        }
        await SyncLogStore.InsertReceiptAsync(connection, transaction, bookId, request.SyncId, payloadHash, result, now, cancellationToken);
        // The common case, a client that was up to date, needs exactly what this sync changed.
        var changes = pushed is not null && request.BaseVersion == state.Version
            ? pushed
            : await ChangesAsync(connection, transaction, bookId, applied.Book, request.BaseVersion, cancellationToken);
        await transaction.CommitAsync(CancellationToken.None);

        cache.Set(bookId, applied.Book);
        if (pushed is not null)
        {
            logger.LogInformation("Applied sync {SyncId} to book {BookId} at version {Version} by {Username}",
                request.SyncId, bookId, applied.Book.Version, user.Username);
            // Still under the book lock: pushes are queued in version order; sending happens elsewhere.
            fanout.Publish(pushed, originConnectionId);
        }
        return new SyncReply.Done(result with { Changes = changes }, Replayed: false);
    }

    // Creates a book, optionally with initial records (all new), as version 1 owned by the caller.
    public async Task<(CreatedBook? Book, SyncFailure? Failure)> CreateBookAsync(CurrentUser user, BookMetaInput meta, SyncChanges initial,
        CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var request = new SyncRequest("create", null, meta, initial);
        var outcome = SyncEngine.Apply(BookState.Empty("", null), request, user.Username, now);
        if (outcome is SyncOutcome.Rejected rejected) return (null, Rejection(rejected, 0));
        var applied = (SyncOutcome.Applied)outcome;
        if (TooLarge(BookState.Empty("", null), applied.Book) is { } tooLarge) return (null, tooLarge);

        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
        var bookId = await BookStore.InsertAsync(connection, transaction, applied.Book, user.Username, now, cancellationToken);
        await MemberStore.AddAsync(connection, transaction, bookId, user.Id, BookRole.Owner, now, cancellationToken);
        await SyncLogStore.AppendAsync(connection, transaction, ChangeSetOf(bookId, 0, applied), null, user.Id, user.Username,
            SummaryOf(applied.Changes), now, cancellationToken);
        await transaction.CommitAsync(CancellationToken.None);

        cache.Set(bookId, applied.Book);
        logger.LogInformation("Created book {BookId} for {Username} with {Records} record(s)", bookId, user.Username, initial.Count);
        var header = new BookHeader(bookId, user.Username, now, user.Username, now);
        return (new CreatedBook(BookSnapshot.From(header, applied.Book), ToDto(applied.IdMap)), null);
    }

    public async Task<SyncReply> ChangesSinceAsync(long bookId, CurrentUser user, long? since, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        // One snapshot for the book and the log, so a concurrent sync cannot tear the answer.
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        var role = await BookAccess.RoleOfAsync(connection, transaction, bookId, user.Id, cancellationToken);
        var version = role is null ? null : await BookStore.VersionAsync(connection, transaction, bookId, cancellationToken);
        if (version is null) return SyncFailure.BookNotFound;
        var state = cache.Get(bookId, version.Value);
        if (state is null)
        {
            state = await LoadAsync(connection, transaction, bookId, cancellationToken);
            // Safe even if a sync overtakes us: entries are only ever used at the exact version they hold.
            cache.Set(bookId, state);
        }
        var changes = await ChangesAsync(connection, transaction, bookId, state, since, cancellationToken);
        await transaction.CommitAsync(CancellationToken.None);
        return new SyncReply.Done(new SyncResult(bookId, "", state.Version, false, ToDto(IdMap.Empty), [], changes), false);
    }

    public async Task<BookState?> StoredAsync(long bookId, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        var row = await BookStore.ReadAsync(connection, null, bookId, cancellationToken);
        return row is null ? null : BookJson.ReadState(row);
    }

    // The book as it stands, from the parsed-book cache when it holds the current version.
    public async Task<BookSnapshot?> SnapshotAsync(long bookId, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        var head = await BookStore.ReadHeadAsync(connection, bookId, cancellationToken);
        if (head is null) return null;
        if (cache.Get(bookId, head.Version) is { } cached) return BookSnapshot.From(head.Header, cached);

        var row = await BookStore.ReadAsync(connection, null, bookId, cancellationToken);
        if (row is null) return null;
        var state = BookJson.ReadState(row);
        cache.Set(bookId, state);
        return BookSnapshot.From(BookHeader.From(row), state);
    }

    private async Task<BookState> LoadAsync(DbConnection connection, DbTransaction transaction, long bookId, CancellationToken cancellationToken)
    {
        var row = await BookStore.ReadAsync(connection, transaction, bookId, cancellationToken)
            ?? throw new InvalidOperationException($"Book {bookId} vanished inside its own transaction.");
        return BookJson.ReadState(row);
    }

    // Changes since a client's version: everything when it has none, is ahead of us, or is older than the log.
    private static async Task<ChangeSet> ChangesAsync(DbConnection connection, DbTransaction transaction, long bookId, BookState state,
        long? since, CancellationToken cancellationToken)
    {
        if (since is not { } from || from > state.Version) return ChangeSet.Snapshot(bookId, state);
        if (from == state.Version) return ChangeSet.Since(bookId, state, from, DeletedIds.None);
        var deleted = await SyncLogStore.DeletedSinceAsync(connection, transaction, bookId, from, state.Version, cancellationToken);
        return deleted is null ? ChangeSet.Snapshot(bookId, state) : ChangeSet.Since(bookId, state, from, deleted);
    }

    // Only growth is refused: a book already over a lowered limit can still be edited and shrunk.
    private SyncFailure? TooLarge(BookState before, BookState after)
    {
        static long Records(BookState b) => (long)b.Wallets.Count + b.Bills.Count + b.Transfers.Count + b.Incomes.Count;
        var records = Records(after);
        var limit = options.Value.MaxRecordsPerBook;
        return records <= limit || records <= Records(before) ? null : SyncFailure.Validation(
            new Dictionary<string, string[]> { ["book"] = [$"would hold {records} records; a book holds at most {limit}"] }, before.Version);
    }

    private static ChangeSet ChangeSetOf(long bookId, long fromVersion, SyncOutcome.Applied applied)
    {
        var c = applied.Changes;
        return new ChangeSet(bookId, fromVersion, applied.Book.Version, false, new BookMeta(applied.Book.Name, applied.Book.Remark),
            c.Wallets.Changed, c.Bills.Changed, c.Transfers.Changed, c.Incomes.Changed,
            new DeletedIds(c.Wallets.Deleted, c.Bills.Deleted, c.Transfers.Deleted, c.Incomes.Deleted));
    }

    private static ChangeSummary SummaryOf(AppliedChanges c) => new(
        new(c.Wallets.NewCount, c.Wallets.ModifiedCount, c.Wallets.DeletedCount),
        new(c.Bills.NewCount, c.Bills.ModifiedCount, c.Bills.DeletedCount),
        new(c.Transfers.NewCount, c.Transfers.ModifiedCount, c.Transfers.DeletedCount),
        new(c.Incomes.NewCount, c.Incomes.ModifiedCount, c.Incomes.DeletedCount),
        c.BookMetaChanged);

    private static IdMapDto ToDto(IdMap map) => new(map.Wallets, map.Bills, map.Transfers, map.Incomes);

    private static SyncFailure Rejection(SyncOutcome.Rejected rejected, long version)
    {
        var extensions = new Dictionary<string, object?> { ["version"] = version };
        if (rejected.Errors is not null) extensions["errors"] = rejected.Errors;
        if (rejected.References is not null)
        {
            extensions["references"] = rejected.References.Select(r => new { collection = r.Collection.JsonName(), id = r.Id }).ToList();
        }
        var status = rejected.Code == ErrorCodes.ValidationFailed ? 422 : 409;
        return new SyncFailure(status, rejected.Code, rejected.Detail, extensions);
    }

    // Canonical form of what was asked, so a retry over another transport still matches. baseVersion only
    // shapes the answer's changes, so a retry after a pull (a newer baseVersion) is still the same sync.
    private static string PayloadHash(SyncRequest request) =>
        Convert.ToHexStringLower(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(request with { BaseVersion = null }, BookJson.Options)));
}

internal sealed record CreatedBook(BookSnapshot Snapshot, IdMapDto IdMap);
