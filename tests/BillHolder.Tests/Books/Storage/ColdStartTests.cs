using System.Net.Http.Headers;
using BillHolder.Server.Books.Storage;
using BillHolder.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static BillHolder.Tests.Infrastructure.TestClient;

namespace BillHolder.Tests.Books.Storage;

// A server that dies after its log rows committed and before any checkpoint: another process (or the same one
// restarted) rebuilds the book from the checkpoint and the log, and then checkpoints it.
public sealed class ColdStartTests(LazyCheckpointServer lazy) : IClassFixture<LazyCheckpointServer>
{
    private BillHolderServer Server => lazy.Server;

    [Fact]
    public async Task ColdStart_WithALongLog_RebuildsTheSameBook_AndCheckpointsIt()
    {
        var user = await Server.NewUserAsync();
        var bookId = await user.CreateB0Async();
        for (var i = 0; i < 40; i++)
        {
            await user.SyncOkAsync(bookId, new
            {
                syncId = $"s{i}",
                bills = new object[] { Bill(-1, 3, 1 + i % 2, 1 + i), Bill(1, 1, 1, 10 + i) },
                incomes = i % 5 == 0 ? new object[] { new { id = 2, status = 2 } } : [],
            });
        }
        Assert.Equal(1, await Server.CheckpointVersionAsync(bookId));
        var before = await user.BookAsync(bookId);

        // A fresh process on the same database: nothing cached, checkpoints on again.
        await using var fresh = ExtraHost.Create(Server.Database.ConnectionString, ("Sync:CheckpointMinLogBytes", "0"));
        var client = fresh.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", user.Token);
        var again = user with { Http = client };
        var after = await again.BookAsync(bookId);

        Assert.Equal(before.GetRawText(), after.GetRawText());
        await again.AssertConsistentAsync(bookId);
        // The long log it found is checkpointed soon after, by the fresh process (its count moves just after the
        // checkpoint commits, so both are awaited).
        var checkpointer = fresh.Services.GetRequiredService<Checkpointer>();
        await StoredRows.EventuallyAsync(async () => await Server.CheckpointVersionAsync(bookId) == 41 && checkpointer.Written >= 1,
            "the checkpoint of the replayed log, by the fresh process");
    }
}
