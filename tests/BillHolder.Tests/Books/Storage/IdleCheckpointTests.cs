using BillHolder.Tests.Infrastructure;
using static BillHolder.Tests.Infrastructure.TestClient;

namespace BillHolder.Tests.Books.Storage;

public sealed class IdleCheckpointTests(IdleCheckpointServer idle) : IClassFixture<IdleCheckpointServer>
{
    [Fact]
    public async Task Checkpoint_OfAnIdleBook_IsWrittenAlthoughItsLogIsSmall()
    {
        var user = await idle.Server.NewUserAsync();
        var bookId = await user.CreateB0Async();
        await user.SyncOkAsync(bookId, new { syncId = "a", bills = new[] { Bill(1, 1, 1, 15) } });
        await user.SyncOkAsync(bookId, new { syncId = "b", bills = new[] { Bill(2, 1, 2, 6) } });
        Assert.Equal(1, await idle.Server.CheckpointVersionAsync(bookId));

        await StoredRows.EventuallyAsync(async () => await idle.Server.CheckpointVersionAsync(bookId) == 3, "the idle book's checkpoint");
    }
}
