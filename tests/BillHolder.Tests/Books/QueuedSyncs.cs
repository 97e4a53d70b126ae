using BillHolder.Server.Books;
using BillHolder.Server.Infrastructure;
using BillHolder.Tests.Books.Storage;
using BillHolder.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace BillHolder.Tests.Books;

// Syncs sent while the test holds the book's lock, so that they queue and the batch is exactly what was sent.
internal static class QueuedSyncs
{
    // All at once: concurrent requests do not fix their order of arrival.
    public static async Task<HttpResponseMessage[]> SendAsOneBatchAsync(BillHolderServer server, long bookId, params Func<Task<HttpResponseMessage>>[] syncs)
    {
        var writer = server.App.Services.GetRequiredService<BookWriter>();
        Task<HttpResponseMessage>[] sent;
        using (await server.App.Services.GetRequiredService<KeyedLock<long>>().LockAsync(bookId, CancellationToken.None))
        {
            sent = [.. syncs.Select(send => send())];
            await StoredRows.EventuallyAsync(() => Task.FromResult(writer.Queued(bookId) == syncs.Length), "every sync to queue");
        }
        return await Task.WhenAll(sent);
    }

    // One after another, each queued before the next is sent: the batch holds them in the order given.
    public static async Task<HttpResponseMessage[]> SendInOrderAsOneBatchAsync(BillHolderServer server, long bookId, params Func<Task<HttpResponseMessage>>[] syncs)
    {
        var writer = server.App.Services.GetRequiredService<BookWriter>();
        var sent = new List<Task<HttpResponseMessage>>();
        using (await server.App.Services.GetRequiredService<KeyedLock<long>>().LockAsync(bookId, CancellationToken.None))
        {
            foreach (var send in syncs)
            {
                sent.Add(send());
                await StoredRows.EventuallyAsync(() => Task.FromResult(writer.Queued(bookId) == sent.Count), "the sync to queue");
            }
        }
        return await Task.WhenAll(sent);
    }
}
