using System.Data;
using System.Net;
using System.Net.Http.Json;
using BillHolder.Server.Books.Engine;
using BillHolder.Server.Books.Storage;
using BillHolder.Tests.Infrastructure;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using static BillHolder.Tests.Infrastructure.TestClient;

namespace BillHolder.Tests.Books.Storage;

// The book row is a checkpoint; the change log after it is the truth.
public sealed class CheckpointTests(EagerCheckpointServer eager) : IClassFixture<EagerCheckpointServer>
{
    private BillHolderServer Server => eager.Server;

    [Fact]
    public async Task Checkpoint_IsWrittenWhenTheLogOutgrowsItsFraction_AndHoldsTheBook()
    {
        var user = await Server.NewUserAsync();
        var bookId = await user.CreateB0Async();
        Assert.Equal(1, await Server.CheckpointVersionAsync(bookId));

        await user.SyncOkAsync(bookId, new { syncId = "a", bills = new[] { Bill(1, 1, 1, 15) } });
        await StoredRows.EventuallyAsync(async () => await Server.CheckpointVersionAsync(bookId) == 2, "the checkpoint of version 2");

        // The book row alone now reads as the book at version 2.
        await using var connection = await Server.Database.Connections().OpenAsync(CancellationToken.None);
        var row = await BookStore.ReadCheckpointAsync(connection, null, bookId, CancellationToken.None);
        var checkpoint = BookJson.ReadCheckpoint(row!);
        Assert.Equal(15, checkpoint.Bills[1].Amount);
        Assert.Equal(65, checkpoint.Wallets[1].Balance);
        Assert.Equal(2, await connection.ExecuteScalarAsync<long>("SELECT version FROM book WHERE id = @BookId", new { BookId = bookId }));
    }

    [Fact]
    public async Task Syncs_NeverWaitForACheckpoint_HoldingTheBookRow()
    {
        var user = await Server.NewUserAsync();
        var bookId = await user.CreateB0Async();
        var friend = await Server.NewUserAsync();

        // What a checkpoint holds while it rewrites a big book: the book row's lock, for as long as it takes.
        await using var checkpoint = await Server.Database.Connections().OpenAsync(CancellationToken.None);
        await using var transaction = await checkpoint.BeginTransactionAsync(IsolationLevel.ReadCommitted);
        await checkpoint.ExecuteAsync("SELECT id FROM book WHERE id = @BookId FOR UPDATE", new { BookId = bookId }, transaction);

        // Each of these would hang for the lock wait timeout (50 s) if it touched the book row; the test client gives up after 10 s.
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var synced = await (await user.Http.PostAsJsonAsync($"/api/books/{bookId}/sync",
            new { syncId = "during", bills = new[] { Bill(-1, 3, 1, 5) } }, patience.Token)).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(2, synced.GetProperty("version").GetInt64());
        await (await user.Http.PutAsJsonAsync($"/api/books/{bookId}/members/{friend.Username}", new { role = "editor" }, patience.Token))
            .ReadJsonAsync(HttpStatusCode.OK);
        var read = await (await user.Http.GetAsync($"/api/books/{bookId}/changes?since=1", patience.Token)).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(2, read.GetProperty("toVersion").GetInt64());
        await transaction.RollbackAsync();
    }

    [Fact]
    public async Task Checkpoint_OnlyMovesForward_WhenAnOlderOneRacesANewerOne()
    {
        var user = await Server.NewUserAsync();
        var bookId = await user.CreateB0Async();
        var store = Server.App.Services.GetRequiredService<BookStore>();
        var older = BookState.Empty("Old", null) with { Version = 2 };
        await user.SyncOkAsync(bookId, new { syncId = "a", bills = new[] { Bill(1, 1, 1, 15) } });
        await user.SyncOkAsync(bookId, new { syncId = "b", bills = new[] { Bill(1, 1, 1, 16) } });
        await StoredRows.EventuallyAsync(async () => await Server.CheckpointVersionAsync(bookId) == 3, "the checkpoint of version 3");

        Assert.Null(await store.WriteCheckpointAsync(bookId, older, "someone", 1, CancellationToken.None));
        Assert.Equal(3, await Server.CheckpointVersionAsync(bookId));
        Assert.Equal(16, (await user.BookAsync(bookId)).GetProperty("bills")[0].GetProperty("amount").GetInt64());
    }
}
