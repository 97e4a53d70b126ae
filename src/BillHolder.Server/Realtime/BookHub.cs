using System.Text.Json;
using BillHolder.Server.Accounts;
using BillHolder.Server.Books;
using BillHolder.Server.Books.Engine;
using BillHolder.Server.Books.Parsing;
using BillHolder.Server.Infrastructure.Errors;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace BillHolder.Server.Realtime;

// Thin: authorize, call the services, return. Errors are ApiErrors thrown as HubExceptions (message starts with the code).
[Authorize]
internal sealed class BookHub(
    BookService books,
    SyncParser parser,
    BookSubscriptions subscriptions,
    BookFanout fanout,
    ConnectionOutboxes outboxes,
    ClusterPresence presence,
    IOptions<RealtimeOptions> options) : Hub<IBookClient>
{
    public async Task<ChangeSet> OpenBook(long bookId, long? sinceVersion)
    {
        var maxOpen = options.Value.MaxOpenBooksPerConnection;
        if (!subscriptions.CanOpen(Context.ConnectionId, bookId, maxOpen))
        {
            throw new HubException($"{ErrorCodes.TooManyBooks}: a connection may have at most {maxOpen} books open.");
        }

        var user = CurrentUser.From(Context.User!);
        ChangeSet changes;
        bool joined;
        // Under the book's gate no push is delivered, so nothing slips between this answer and the first push.
        using (await subscriptions.EnterAsync(bookId, Context.ConnectionAborted))
        {
            changes = Unwrap(await books.ChangesSinceAsync(bookId, user, sinceVersion, Context.ConnectionAborted));
            // Never a full answer with partial content: a book too big to send whole is read in pages first.
            var records = (long)changes.Wallets.Count + changes.Bills.Count + changes.Transfers.Count + changes.Incomes.Count;
            if (changes.Full && records > options.Value.MaxSnapshotRecords)
            {
                throw new ApiError(StatusCodes.Status422UnprocessableEntity, ErrorCodes.SnapshotTooLarge,
                    $"The book holds {records} records, more than OpenBook sends whole ({options.Value.MaxSnapshotRecords}): read it with " +
                    "ReadSnapshotPage, then OpenBook(bookId, version).", new Dictionary<string, object?> { ["version"] = changes.ToVersion }).ToHubException();
            }
            var subscriber = new BookSubscriptions.Subscriber(Context.ConnectionId, user.Id, user.Username) { OpenedAtVersion = changes.ToVersion };
            // Refused when the connection dropped meanwhile: nobody would ever remove it.
            subscriptions.TryAdd(bookId, subscriber, out joined);
        }
        if (joined) fanout.PresenceChanged(bookId);
        return changes;
    }

    // The paged first sync, as GET /api/books/{bookId}/snapshot: limit 1-5000 (null: 1000), cursor null for the first page.
    public async Task<SnapshotPage> ReadSnapshotPage(long bookId, string? cursor, int? limit)
    {
        if (limit is < 1 or > SyncOptions.MaxSnapshotPage)
        {
            throw ApiError.Validation("limit", $"must be an integer between 1 and {SyncOptions.MaxSnapshotPage}").ToHubException();
        }
        return Unwrap(await books.SnapshotPageAsync(bookId, CurrentUser.From(Context.User!), cursor, limit ?? SyncOptions.DefaultSnapshotPage,
            Context.ConnectionAborted));
    }

    public async Task CloseBook(long bookId)
    {
        if (await CloseAsync(Context.ConnectionId, bookId)) fanout.PresenceChanged(bookId);
    }

    public async Task<SyncResult> Sync(long bookId, JsonElement request)
    {
        var parsed = Unwrap(parser.ParseSync(request, idempotencyKey: null));
        return Unwrap(await books.SyncAsync(bookId, CurrentUser.From(Context.User!), parsed, Context.ConnectionId, Context.ConnectionAborted));
    }

    public override async Task OnConnectedAsync()
    {
        var max = options.Value.MaxConnectionsPerUser;
        var userId = CurrentUser.From(Context.User!).Id;
        // This instance's count, then (with Redis) the count over all instances.
        var refused = !subscriptions.Connect(Context.ConnectionId, userId, max);
        if (!refused && await presence.TryConnectAsync(Context.ConnectionId, userId, max) == false)
        {
            subscriptions.Disconnect(Context.ConnectionId);
            refused = true;
        }
        if (refused)
        {
            // SignalR closes the connection with this message (and calls no OnDisconnectedAsync for it).
            throw new HubException($"{ErrorCodes.TooManyConnections}: a user may hold at most {max} connections; close one first.");
        }
        outboxes.Open(Context);
        await base.OnConnectedAsync();
    }

    public override async Task OnDisconnectedAsync(Exception? exception)
    {
        outboxes.Close(Context.ConnectionId);
        if (CurrentUser.TryFrom(Context.User) is { } user) presence.Disconnected(Context.ConnectionId, user.Id);
        foreach (var bookId in subscriptions.Disconnect(Context.ConnectionId))
        {
            if (await CloseAsync(Context.ConnectionId, bookId)) fanout.PresenceChanged(bookId);
        }
        await base.OnDisconnectedAsync(exception);
    }

    // Returns whether presence changed: the user may still have the book open on another connection.
    private async Task<bool> CloseAsync(string connectionId, long bookId)
    {
        using (await subscriptions.EnterAsync(bookId, CancellationToken.None))
        {
            return subscriptions.Remove(bookId, connectionId);
        }
    }

    private static T Unwrap<T>(Result<T> result) => result.IsOk ? result.Value : throw result.Error.ToHubException();
}
