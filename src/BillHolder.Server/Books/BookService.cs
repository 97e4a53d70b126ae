using System.Data;
using System.Data.Common;
using System.Security.Cryptography;
using System.Text.Json;
using BillHolder.Server.Accounts;
using BillHolder.Server.Books.Engine;
using BillHolder.Server.Books.Parsing;
using BillHolder.Server.Books.Storage;
using BillHolder.Server.Infrastructure;
using BillHolder.Server.Infrastructure.Database;
using BillHolder.Server.Infrastructure.Errors;
using Microsoft.Extensions.Options;

namespace BillHolder.Server.Books;

// The book aggregate's application service: wraps the pure engine with what a real sync needs (authorization,
// the per-book lock, one transaction, idempotency receipts, the change log, the parsed-book cache) and tells
// IBookEvents what happened. REST and the hub both call it and answer its ApiError in their own way.
internal sealed class BookService(
    DbConnectionFactory connections,
    KeyedLock<long> locks,
    BookStateCache cache,
    IBookEvents events,
    IOptions<SyncOptions> options,
    TimeProvider time,
    ILogger<BookService> logger)
{
    // A sync needs the editor role; Origin names the hub connection that sent it (null for REST).
    public Task<Result<SyncResult>> SyncAsync(long bookId, CurrentUser user, SyncRequest request, string? origin,
        CancellationToken cancellationToken) =>
        Contention.RetryOnceAsync(() => SyncOnceAsync(bookId, user, request, origin, cancellationToken), logger, "a sync");

    private async Task<Result<SyncResult>> SyncOnceAsync(long bookId, CurrentUser user, SyncRequest request, string? origin,
        CancellationToken cancellationToken)
    {
        var payloadHash = PayloadHash(request);
        using var bookLock = await locks.LockAsync(bookId, cancellationToken);
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);

        var start = await BookStore.LockForSyncAsync(connection, transaction, bookId, user.Id, request.SyncId, cancellationToken);
        if (BookAccess.Check(start is null ? null : BookRoles.Parse(start.Role), BookRole.Editor) is { } denied) return denied;

        var state = cache.Get(bookId, start!.Version) ?? await LoadAsync(connection, transaction, bookId, cancellationToken);
        if (start.PayloadHash is not null)
        {
            if (start.PayloadHash != payloadHash)
            {
                return new ApiError(StatusCodes.Status409Conflict, ErrorCodes.SyncIdReused,
                    $"The syncId '{request.SyncId}' was already used for a different sync of this book.",
                    new Dictionary<string, object?> { ["version"] = state.Version });
            }
            var first = ReceiptStore.Read(start.Result!);
            var current = await ChangesAsync(connection, transaction, bookId, state, request.BaseVersion, cancellationToken);
            return first with { Changes = current };
        }

        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var outcome = SyncEngine.Apply(state, request, user.Username, now);
        if (outcome is SyncOutcome.Rejected rejected) return Rejection(rejected, state.Version);
        var applied = (SyncOutcome.Applied)outcome;
        if (TooLarge(state, applied.Book) is { } tooLarge) return tooLarge;

        var result = new SyncResult(bookId, request.SyncId, applied.Book.Version, applied.Changes.Any, applied.IdMap,
            [.. applied.Skipped.Select(SkippedDto.From)], null);
        ChangeSet? pushed = null;
        if (applied.Changes.Any)
        {
            await BookStore.SaveAsync(connection, transaction, bookId, state, applied.Book, user.Username, now, cancellationToken);
            pushed = ChangeSet.Of(bookId, state.Version, applied);
            await ChangeLogStore.AppendAsync(connection, transaction, pushed, request.SyncId, user.Id, user.Username,
                applied.Changes.Summary, now, cancellationToken);
        }
        await ReceiptStore.InsertAsync(connection, transaction, bookId, request.SyncId, payloadHash, result, now, cancellationToken);
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
            // Still under the book lock, so events leave in version order.
            events.BookChanged(pushed, origin);
        }
        return result with { Changes = changes };
    }

    // Creates a book, optionally with initial records (all new), as version 1 owned by the caller.
    public async Task<Result<CreatedBook>> CreateAsync(CurrentUser user, NewBookRequest book, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var empty = BookState.Empty("", null);
        var request = new SyncRequest("create", null, new BookMetaInput(book.Name, book.Remark, RemarkSet: true), book.Changes);
        var outcome = SyncEngine.Apply(empty, request, user.Username, now);
        if (outcome is SyncOutcome.Rejected rejected) return Rejection(rejected, 0);
        var applied = (SyncOutcome.Applied)outcome;
        if (TooLarge(empty, applied.Book) is { } tooLarge) return tooLarge;

        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
        var bookId = await BookStore.InsertAsync(connection, transaction, applied.Book, user.Username, now, cancellationToken);
        await MemberStore.AddAsync(connection, transaction, bookId, user.Id, BookRole.Owner, now, cancellationToken);
        await ChangeLogStore.AppendAsync(connection, transaction, ChangeSet.Of(bookId, 0, applied), null, user.Id, user.Username,
            applied.Changes.Summary, now, cancellationToken);
        await transaction.CommitAsync(CancellationToken.None);

        cache.Set(bookId, applied.Book);
        logger.LogInformation("Created book {BookId} for {Username} with {Records} record(s)", bookId, user.Username, book.Changes.Count);
        var header = new BookHeader(bookId, user.Username, now, user.Username, now);
        return new CreatedBook(BookSnapshot.From(header, applied.Book), applied.IdMap);
    }

    // Renames a book or changes its remark: applied as a sync, so the version moves and collaborators are told.
    public async Task<Result<BookSnapshot>> UpdateAsync(long bookId, CurrentUser user, BookMetaInput meta, CancellationToken cancellationToken)
    {
        var request = new SyncRequest($"patch-{Guid.NewGuid():N}", null, meta, SyncChanges.None);
        var synced = await SyncAsync(bookId, user, request, origin: null, cancellationToken);
        if (!synced.IsOk) return synced.Error;
        return await SnapshotAsync(bookId, cancellationToken) is { } book ? book : ApiError.BookNotFound;
    }

    // Owners only. The members, change log and receipts go with the book.
    public async Task<ApiError?> DeleteAsync(long bookId, CurrentUser user, CancellationToken cancellationToken)
    {
        // Under the book's lock, so a sync finishing meanwhile cannot put the book back into the cache (a read
        // still may; such an entry is never served, as every lookup checks the row first, and ages out).
        using (await locks.LockAsync(bookId, cancellationToken))
        {
            await using var connection = await connections.OpenAsync(cancellationToken);
            if (BookAccess.Check(await BookAccess.RoleOfAsync(connection, null, bookId, user.Id, cancellationToken), BookRole.Owner) is { } denied)
            {
                return denied;
            }
            if (!await BookStore.DeleteAsync(connection, bookId, cancellationToken)) return ApiError.BookNotFound;
            cache.Remove(bookId);
        }
        events.BookDeleted(bookId);
        logger.LogInformation("Deleted book {BookId} by {Username}", bookId, user.Username);
        return null;
    }

    // What changed since a client's version (everything when it has none); members only.
    public async Task<Result<ChangeSet>> ChangesSinceAsync(long bookId, CurrentUser user, long? since, CancellationToken cancellationToken)
    {
        await using var connection = await connections.OpenAsync(cancellationToken);
        // One snapshot for the book and the log, so a concurrent sync cannot tear the answer.
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        var role = await BookAccess.RoleOfAsync(connection, transaction, bookId, user.Id, cancellationToken);
        var version = role is null ? null : await BookStore.VersionAsync(connection, transaction, bookId, cancellationToken);
        if (version is null) return ApiError.BookNotFound;
        var state = cache.Get(bookId, version.Value);
        if (state is null)
        {
            state = await LoadAsync(connection, transaction, bookId, cancellationToken);
            // Safe even if a sync overtakes us: entries are only ever used at the exact version they hold.
            cache.Set(bookId, state);
        }
        var changes = await ChangesAsync(connection, transaction, bookId, state, since, cancellationToken);
        await transaction.CommitAsync(CancellationToken.None);
        return changes;
    }

    // Straight from the database, not the cache: for the consistency check of what is stored.
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
        return BookSnapshot.From(row.Header, state);
    }

    private static async Task<BookState> LoadAsync(DbConnection connection, DbTransaction transaction, long bookId, CancellationToken cancellationToken)
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
        if (from == state.Version) return ChangeSet.Since(bookId, state, from, ChangeSet.NoneDeleted);
        var deleted = await ChangeLogStore.DeletedSinceAsync(connection, transaction, bookId, from, state.Version, cancellationToken);
        return deleted is null ? ChangeSet.Snapshot(bookId, state) : ChangeSet.Since(bookId, state, from, deleted);
    }

    // Only growth is refused: a book already over a lowered limit can still be edited and shrunk.
    private ApiError? TooLarge(BookState before, BookState after)
    {
        var records = after.RecordCount;
        var limit = options.Value.MaxRecordsPerBook;
        return records <= limit || records <= before.RecordCount ? null : ApiError.Validation(
            new Dictionary<string, string[]> { ["book"] = [$"would hold {records} records; a book holds at most {limit}"] },
            version: before.Version);
    }

    private static ApiError Rejection(SyncOutcome.Rejected rejected, long version)
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
        Convert.ToHexStringLower(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(request with { BaseVersion = null }, BookJson.Options)));
}
