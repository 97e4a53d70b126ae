using System.Data;
using BillHolder.Server.Accounts;
using BillHolder.Server.Books.Engine;
using BillHolder.Server.Books.Exports;
using BillHolder.Server.Books.Parsing;
using BillHolder.Server.Books.Storage;
using BillHolder.Server.Infrastructure;
using BillHolder.Server.Infrastructure.Database;
using BillHolder.Server.Infrastructure.Errors;
using Microsoft.Extensions.Options;

namespace BillHolder.Server.Books;

// The book aggregate's application service: syncs (through the group-committing BookWriter), creation, renames,
// deletion and reads, with authorization, the parsed-book cache and IBookEvents. REST and the hub both call it and
// answer its ApiError in their own way.
internal sealed class BookService(
    DbConnectionFactory connections,
    BookWriter writer,
    KeyedLock<long> locks,
    BookStateCache cache,
    Checkpointer checkpointer,
    IBookEvents events,
    IOptions<SyncOptions> options,
    TimeProvider time,
    ILogger<BookService> logger)
{
    // A sync needs the editor role; origin names the hub connection that sent it (null for REST).
    public Task<Result<SyncResult>> SyncAsync(long bookId, CurrentUser user, SyncRequest request, string? origin,
        CancellationToken cancellationToken) => writer.SyncAsync(bookId, user, request, origin, cancellationToken);

    // Creates a book, optionally with initial records (all new), as version 1 owned by the caller. Its creation is
    // its first checkpoint.
    public async Task<Result<CreatedBook>> CreateAsync(CurrentUser user, NewBookRequest book, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var empty = BookState.Empty("", null);
        var request = new SyncRequest("create", null, new BookMetaInput(book.Name, book.Remark, RemarkSet: true), book.Changes);
        var outcome = SyncEngine.Apply(empty, request, user.Username, now);
        if (outcome is SyncOutcome.Rejected rejected) return BookWriter.Rejection(rejected, 0);
        var applied = (SyncOutcome.Applied)outcome;
        var sizes = BookJson.WriteCollections(applied.Book).Sizes;
        if (BookWriter.TooLarge(options.Value, null, applied.Book, sizes) is { } tooLarge) return tooLarge;

        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
        var bookId = await BookStore.InsertAsync(connection, transaction, applied.Book, user.Username, now, cancellationToken);
        await MemberStore.AddAsync(connection, transaction, bookId, user.Id, BookRole.Owner, now, cancellationToken);
        await ChangeLogStore.AppendAsync(connection, transaction, ChangeLogStore.Row(ChangeSet.Of(bookId, 0, applied, user.Username, []),
            PreImages.Of(empty, applied.Changes), null, user.Id, user.Username, applied.Changes.Summary, now), cancellationToken);
        await transaction.CommitAsync(CancellationToken.None);

        cache.Offer(bookId, new StoredBook(applied.Book, user.Username, now, sizes, applied.Book.Version, []));
        logger.LogInformation("Created book {BookId} for {Username} with {Records} record(s)", bookId, user.Username, book.Changes.Count);
        var header = new BookHeader(bookId, user.Username, now, user.Username, now);
        return new CreatedBook(BookSnapshot.From(header, applied.Book), applied.IdMap);
    }

    // A JSON export becomes a new book owned by the caller, written as a checkpoint: its collections in the book row at
    // version 1 (= checkpointVersion), its head, and one small log row without records (the checkpoint holds them)
    // that the history shows as the import. The file's records go through the sync engine as new records (new ids,
    // remapped wallet references, balances, overflow checks), then get back the attribution the file recorded.
    public async Task<Result<ImportedBookResult>> ImportAsync(CurrentUser user, ImportedBook import, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var empty = BookState.Empty("", null);
        var request = new SyncRequest("import", null, new BookMetaInput(import.Name, import.Remark, RemarkSet: true), import.Changes);
        var outcome = SyncEngine.Apply(empty, request, user.Username, now);
        // A refusal of the engine (a reference to a wallet the file does not hold, an overflowing balance) is one more
        // validation error of the file, at the engine's path.
        if (outcome is SyncOutcome.Rejected rejected)
        {
            return ApiError.Validation(rejected.Errors ?? new Dictionary<string, string[]> { [""] = [rejected.Detail] });
        }
        var applied = (SyncOutcome.Applied)outcome;
        var state = BookImport.WithAttribution(applied.Book, applied.IdMap, import, user.Username);
        var sizes = BookJson.WriteCollections(state).Sizes;
        if (BookWriter.TooLarge(options.Value, null, state, sizes) is { } tooLarge) return tooLarge;

        await using var connection = await connections.OpenForLongWorkAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
        var bookId = await BookStore.InsertAsync(connection, transaction, state, user.Username, now, cancellationToken);
        await MemberStore.AddAsync(connection, transaction, bookId, user.Id, BookRole.Owner, now, cancellationToken);
        var change = new ChangeSet(bookId, 0, state.Version, false, new BookMeta(state.Name, state.Remark), [], [], [], [], ChangeSet.NoneDeleted);
        var preImages = new PreImages(new BookMeta(empty.Name, empty.Remark), [], [], [], []);
        await ChangeLogStore.AppendAsync(connection, transaction, ChangeLogStore.Row(change, preImages, BookImport.SyncId, user.Id, user.Username,
            applied.Changes.Summary, now), cancellationToken);
        await transaction.CommitAsync(CancellationToken.None);

        cache.Offer(bookId, new StoredBook(state, user.Username, now, sizes, state.Version, []));
        logger.LogInformation("Imported book {BookId} for {Username} with {Records} record(s)", bookId, user.Username, state.RecordCount);
        return new ImportedBookResult(bookId, state.Name, state.Version,
            new ByCollection<int>(state.Wallets.Count, state.Bills.Count, state.Transfers.Count, state.Incomes.Count));
    }

    // The book, its header and its members read in one snapshot, for an export; members only.
    public Task<Result<BookExportSource>> ExportSourceAsync(long bookId, CurrentUser user, CancellationToken cancellationToken) =>
        ReadAsync(bookId, user, async (connection, transaction, state) =>
        {
            var header = await BookStore.ReadHeaderAsync(connection, transaction, bookId, cancellationToken)
                ?? throw new InvalidOperationException($"Book {bookId} has a head but no book row.");
            var members = await MemberStore.ListAsync(connection, transaction, bookId, cancellationToken);
            return new BookExportSource(header, state, members);
        }, cancellationToken);

    // Totals by month or category and per wallet, from the book at one version; members only.
    public Task<Result<BookReport>> ReportAsync(long bookId, CurrentUser user, ReportQuery query, CancellationToken cancellationToken) =>
        ReadAsync(bookId, user, (_, _, state) => Task.FromResult(Reports.Compute(bookId, state, query)), cancellationToken);

    // Renames a book or changes its remark: applied as a sync, so the version moves and collaborators are told.
    public async Task<Result<BookSnapshot>> UpdateAsync(long bookId, CurrentUser user, BookMetaInput meta, CancellationToken cancellationToken)
    {
        var request = new SyncRequest($"patch-{Guid.NewGuid():N}", null, meta, SyncChanges.None);
        var synced = await SyncAsync(bookId, user, request, origin: null, cancellationToken);
        if (!synced.IsOk) return synced.Error;
        return await SnapshotAsync(bookId, cancellationToken) is { } book ? book : ApiError.BookNotFound;
    }

    // Owners only. The head, members, change log and receipts go with the book.
    public async Task<ApiError?> DeleteAsync(long bookId, CurrentUser user, CancellationToken cancellationToken)
    {
        // Under the book's lock, so no batch of syncs runs meanwhile and puts the book back into the cache (a read
        // still may; such an entry is never served, as every use reads the head row first, and ages out).
        using (await locks.LockAsync(bookId, cancellationToken))
        {
            await using var connection = await connections.OpenAsync(cancellationToken);
            if (BookAccess.Check(await BookAccess.RoleOfAsync(connection, null, bookId, user.Id, cancellationToken), BookRole.Owner) is { } denied)
            {
                return denied;
            }
            if (!await BookStore.DeleteAsync(connection, bookId, cancellationToken)) return ApiError.BookNotFound;
            cache.Remove(bookId);
            checkpointer.Forget(bookId);
        }
        events.BookDeleted(bookId);
        logger.LogInformation("Deleted book {BookId} by {Username}", bookId, user.Username);
        return null;
    }

    // What changed since a client's version (everything when it has none); members only.
    public async Task<Result<ChangeSet>> ChangesSinceAsync(long bookId, CurrentUser user, long? since, CancellationToken cancellationToken)
    {
        var read = await ReadAsync(bookId, user, (connection, transaction, state) =>
            ChangeLogStore.ChangesSinceAsync(connection, transaction, bookId, state, since, cancellationToken), cancellationToken);
        return read;
    }

    // One page of the book for a first sync in pages; members only. A cursor of another book is refused.
    public async Task<Result<SnapshotPage>> SnapshotPageAsync(long bookId, CurrentUser user, string? cursor, int limit,
        CancellationToken cancellationToken)
    {
        var page = await ReadAsync(bookId, user, (_, _, state) => Task.FromResult(SnapshotPage.Read(bookId, state, cursor, limit)), cancellationToken);
        if (!page.IsOk) return page.Error;
        return page.Value.Error is { } error ? ApiError.Validation("cursor", error) : page.Value.Page!;
    }

    // The book as it stands, with who made and last edited it.
    public async Task<BookSnapshot?> SnapshotAsync(long bookId, CancellationToken cancellationToken)
    {
        var read = await ReadAsync(bookId, null, fromCache: true, async (connection, transaction, state) =>
            await BookStore.ReadHeaderAsync(connection, transaction, bookId, cancellationToken) is { } header
                ? BookSnapshot.From(header, state) : null, cancellationToken);
        return read.IsOk ? read.Value : null;
    }

    // Straight from the database (checkpoint and log), not the cache: for the consistency check of what is stored.
    public async Task<BookState?> StoredAsync(long bookId, CancellationToken cancellationToken)
    {
        var read = await ReadAsync(bookId, null, fromCache: false, (_, _, state) => Task.FromResult(state), cancellationToken);
        return read.IsOk ? read.Value : null;
    }

    private Task<Result<T>> ReadAsync<T>(long bookId, CurrentUser user,
        Func<System.Data.Common.DbConnection, System.Data.Common.DbTransaction, BookState, Task<T>> read, CancellationToken cancellationToken) =>
        ReadAsync(bookId, user.Id, fromCache: true, read, cancellationToken);

    // A read of the book at one version: the head, the log and the checkpoint in one snapshot, so a concurrent sync
    // or checkpoint cannot tear the answer; members only when a user is given. The cache is read first: anything it
    // holds committed before this snapshot began, so the snapshot holds every log row up to it.
    private async Task<Result<T>> ReadAsync<T>(long bookId, long? userId, bool fromCache,
        Func<System.Data.Common.DbConnection, System.Data.Common.DbTransaction, BookState, Task<T>> read, CancellationToken cancellationToken)
    {
        var cached = fromCache ? cache.Get(bookId) : null;
        await using var connection = await connections.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        var member = userId is not { } id || await BookAccess.RoleOfAsync(connection, transaction, bookId, id, cancellationToken) is not null;
        var head = member ? await BookStore.ReadHeadAsync(connection, transaction, bookId, cancellationToken) : null;
        if (head is null) return ApiError.BookNotFound;
        var book = fromCache
            ? await LoadAsync(connection, transaction, head, cached, cancellationToken)
            : await BookLoader.LoadAsync(connection, transaction, head, cached: null, cancellationToken);
        var value = await read(connection, transaction, book.State);
        await transaction.CommitAsync(CancellationToken.None);
        return value;
    }

    private async Task<StoredBook> LoadAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction,
        HeadRow head, StoredBook? cached, CancellationToken cancellationToken)
    {
        var book = await BookLoader.LoadAsync(connection, transaction, head, cached, cancellationToken);
        if (!ReferenceEquals(book, cached))
        {
            cache.Offer(head.BookId, book);
            // A long log found at a load (a crash, another process's syncs) is checkpointed soon.
            checkpointer.Noted(head.BookId, book);
        }
        return book;
    }
}
