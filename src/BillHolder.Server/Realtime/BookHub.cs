using System.Text.Json;
using BillHolder.Server.Accounts;
using BillHolder.Server.Sync;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace BillHolder.Server.Realtime;

// Thin: authorize, call the services, return. Errors are HubExceptions whose message starts with the REST code.
[Authorize]
internal sealed class BookHub(
    SyncService sync,
    SyncRequests requests,
    BookSubscriptions subscriptions,
    BookFanout fanout,
    ConnectionOutboxes outboxes,
    IOptions<RealtimeOptions> options) : Hub<IBookClient>
{
    public async Task<ChangeSet> OpenBook(long bookId, long? sinceVersion)
    {
        var maxOpen = options.Value.MaxOpenBooksPerConnection;
        if (!subscriptions.CanOpen(Context.ConnectionId, bookId, maxOpen))
        {
            throw new HubException($"too_many_books: a connection may have at most {maxOpen} books open.");
        }

        var user = CurrentUser.From(Context.User!);
        ChangeSet changes;
        bool joined;
        // Under the book's gate no push is delivered, so nothing slips between this answer and the first push.
        using (await subscriptions.EnterAsync(bookId, Context.ConnectionAborted))
        {
            changes = Unwrap(await sync.ChangesSinceAsync(bookId, user, sinceVersion, Context.ConnectionAborted)).Changes!;
            var subscriber = new BookSubscriptions.Subscriber(Context.ConnectionId, user.Id, user.Username) { OpenedAtVersion = changes.ToVersion };
            // Refused when the connection dropped meanwhile: nobody would ever remove it.
            subscriptions.TryAdd(bookId, subscriber, out joined);
        }
        if (joined) fanout.PresenceChanged(bookId);
        return changes;
    }

    public async Task CloseBook(long bookId)
    {
        if (await CloseAsync(Context.ConnectionId, bookId)) fanout.PresenceChanged(bookId);
    }

    public async Task<SyncResult> Sync(long bookId, JsonElement request)
    {
        var user = CurrentUser.From(Context.User!);
        var parsed = requests.Parse(request, idempotencyKey: null);
        if (parsed.Failure is not null) throw ToHubException(parsed.Failure);
        var reply = await sync.SyncAsync(bookId, user, parsed.Request!, Context.ConnectionId, Context.ConnectionAborted);
        return Unwrap(reply);
    }

    public override Task OnConnectedAsync()
    {
        var max = options.Value.MaxConnectionsPerUser;
        if (!subscriptions.Connect(Context.ConnectionId, CurrentUser.From(Context.User!).Id, max))
        {
            // SignalR closes the connection with this message (and calls no OnDisconnectedAsync for it).
            throw new HubException($"too_many_connections: a user may hold at most {max} connections; close one first.");
        }
        outboxes.Open(Context);
        return base.OnConnectedAsync();
    }

    public override async Task OnDisconnectedAsync(Exception? exception)
    {
        outboxes.Close(Context.ConnectionId);
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

    private static SyncResult Unwrap(SyncReply reply) => reply switch
    {
        SyncReply.Done done => done.Result,
        SyncReply.Failed failed => throw ToHubException(failed.Failure),
        _ => throw new InvalidOperationException(),
    };

    // "code: detail", then the details a client needs (errors, version, references) as JSON.
    internal static HubException ToHubException(SyncFailure failure)
    {
        var message = $"{failure.Code}: {failure.Detail}";
        if (failure.Extensions.Count > 0) message += " " + JsonSerializer.Serialize(failure.Extensions, JsonSerializerOptions.Web);
        return new HubException(message);
    }
}
