using BillHolder.Tests.Infrastructure;
using Dapper;

namespace BillHolder.Tests.Books.Storage;

// A server that checkpoints after almost every sync (any log after the checkpoint is due), so tests cross
// checkpoint boundaries all the time.
public sealed class EagerCheckpointServer : IAsyncLifetime
{
    public BillHolderServer Server { get; } = new();

    public Task InitializeAsync()
    {
        Server.Settings["Sync:CheckpointMinLogBytes"] = "0";
        Server.Settings["Sync:CheckpointLogFraction"] = "0.01";
        // Its model tests send a sync per step as fast as the machine allows: they test the rules, not the limit.
        Server.Settings["Sync:RateLimitBurst"] = "100000";
        return Server.InitializeAsync();
    }

    public Task DisposeAsync() => Server.DisposeAsync();
}

// A server that never checkpoints on its own: everything after a book's creation stays in the log, as after a
// crash between the log rows and the checkpoint.
public sealed class LazyCheckpointServer : IAsyncLifetime
{
    public static readonly (string Key, string Value)[] NoCheckpoints =
    [
        ("Sync:CheckpointMinLogBytes", (1L << 40).ToString()),
        ("Sync:CheckpointIdleSeconds", (7 * 24 * 3600).ToString()),
    ];

    public BillHolderServer Server { get; } = new();

    public Task InitializeAsync()
    {
        foreach (var (key, value) in NoCheckpoints) Server.Settings[key] = value;
        return Server.InitializeAsync();
    }

    public Task DisposeAsync() => Server.DisposeAsync();
}

// A server whose only reason to checkpoint is a book left idle for a second.
public sealed class IdleCheckpointServer : IAsyncLifetime
{
    public BillHolderServer Server { get; } = new();

    public Task InitializeAsync()
    {
        Server.Settings["Sync:CheckpointMinLogBytes"] = (1L << 40).ToString();
        Server.Settings["Sync:CheckpointIdleSeconds"] = "1";
        return Server.InitializeAsync();
    }

    public Task DisposeAsync() => Server.DisposeAsync();
}

internal static class StoredRows
{
    public static async Task<long> CheckpointVersionAsync(this BillHolderServer server, long bookId)
    {
        await using var connection = await server.Database.Connections().OpenAsync(CancellationToken.None);
        return await connection.ExecuteScalarAsync<long>("SELECT checkpointVersion FROM book WHERE id = @BookId", new { BookId = bookId });
    }

    // Waits for something the server does in the background, failing after the deadline.
    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"Timed out waiting for {what}.");
            await Task.Delay(50);
        }
    }
}
