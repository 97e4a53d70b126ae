using System.Data;
using System.Diagnostics;
using System.Net;
using Dapper;
using static BillHolder.Tests.Infrastructure.TestClient;

namespace BillHolder.Tests.Infrastructure;

public sealed class ShortLockWaitServer : IAsyncLifetime
{
    public BillHolderServer Server { get; } = new();

    public Task InitializeAsync()
    {
        Server.Settings["Database:LockWaitTimeoutSeconds"] = "1";
        return Server.InitializeAsync();
    }

    public Task DisposeAsync() => Server.DisposeAsync();
}

// Which database errors are outages (security review S6): lock contention is retried once, then 503 with
// Retry-After; a database error that is a bug is 500 internal_error, logged with its detail.
public sealed class DatabaseErrorTests(ShortLockWaitServer shortLockWait) : IClassFixture<ShortLockWaitServer>
{
    private BillHolderServer Server => shortLockWait.Server;

    [Fact]
    public async Task Sync_BehindAHeldRowLock_IsRetriedOnce_Then503WithRetryAfter()
    {
        var user = await Server.NewUserAsync();
        var bookId = await user.CreateB0Async();
        await using var holder = await HoldBookRowAsync(bookId);

        var clock = Stopwatch.StartNew();
        var response = await user.SyncAsync(bookId, NewBill("behind-lock", 1, 5));
        await response.ProblemAsync(HttpStatusCode.ServiceUnavailable, "database_unavailable");

        Assert.Equal("1", Assert.Single(response.Headers.GetValues("Retry-After")));
        // Two lock waits of 1 s each: the first try and its one retry.
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1.9), $"took {clock.Elapsed}");
        Assert.Contains(Server.Logs.Entries, e => e.Text.Contains("Retrying a sync once after lock contention"));
    }

    [Fact]
    public async Task Sync_WhoseLockIsFreedDuringTheRetry_Succeeds()
    {
        var user = await Server.NewUserAsync();
        var bookId = await user.CreateB0Async();
        var holder = await HoldBookRowAsync(bookId);
        var release = Task.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(1.4));
            await holder.DisposeAsync();
        });

        var result = await user.SyncOkAsync(bookId, NewBill("after-lock", 1, 5));
        await release;
        Assert.True(result.GetProperty("applied").GetBoolean());
    }

    [Fact]
    public async Task ADatabaseErrorThatIsABug_Is500InternalError_LoggedWithDetail()
    {
        var user = await Server.NewUserAsync();
        var bookId = await user.CreateB0Async();
        await using (var connection = await Server.Database.Connections().OpenAsync(CancellationToken.None))
        {
            await connection.ExecuteAsync("RENAME TABLE sync_receipt TO sync_receipt_away");
        }
        try
        {
            var problem = await (await user.SyncAsync(bookId, NewBill("broken", 1, 5))).ProblemAsync(HttpStatusCode.InternalServerError, "internal_error");
            Assert.DoesNotContain("sync_receipt", problem.GetRawText());
            Assert.Contains(Server.Logs.Entries, e => e.Text.Contains("Unhandled error on POST") && e.Text.Contains("sync_receipt"));
        }
        finally
        {
            await using var connection = await Server.Database.Connections().OpenAsync(CancellationToken.None);
            await connection.ExecuteAsync("RENAME TABLE sync_receipt_away TO sync_receipt");
        }
    }

    // A second writer holding the book's row lock in an open transaction, until disposed.
    private async Task<RowLock> HoldBookRowAsync(long bookId)
    {
        var connection = await Server.Database.Connections().OpenAsync(CancellationToken.None);
        var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted);
        await connection.ExecuteAsync("SELECT book_id FROM book_head WHERE book_id = @BookId FOR UPDATE", new { BookId = bookId }, transaction);
        return new RowLock(connection, transaction);
    }

    private sealed class RowLock(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await transaction.RollbackAsync();
            await connection.DisposeAsync();
        }
    }
}
