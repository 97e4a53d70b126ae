using BillHolder.Server.Infrastructure;

namespace BillHolder.Tests.Infrastructure;

public sealed class KeyedLockTests
{
    [Fact]
    public async Task OneBook_IsHeldByOneCallerAtATime()
    {
        var locks = new KeyedLock<long>();
        var inside = 0;
        var most = 0;
        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(async () =>
        {
            using (await locks.LockAsync(7, CancellationToken.None))
            {
                most = Math.Max(most, Interlocked.Increment(ref inside));
                await Task.Delay(2);
                Interlocked.Decrement(ref inside);
            }
        })));
        Assert.Equal(1, most);
        Assert.Equal(0, locks.HeldOrAwaitedCount);
    }

    [Fact]
    public async Task DifferentBooks_DoNotWaitForEachOther()
    {
        var locks = new KeyedLock<long>();
        using var first = await locks.LockAsync(1, CancellationToken.None);
        var second = locks.LockAsync(2, CancellationToken.None);
        Assert.True(second.IsCompleted);
        (await second).Dispose();
    }

    [Fact]
    public async Task AWaiterThatGivesUp_LeavesNothingBehind_AndTheLockStillWorks()
    {
        var locks = new KeyedLock<long>();
        var held = await locks.LockAsync(3, CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var waiting = locks.LockAsync(3, cancel.Token);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        held.Dispose();
        held.Dispose(); // a second dispose must not release someone else's hold
        Assert.Equal(0, locks.HeldOrAwaitedCount);
        using (await locks.LockAsync(3, CancellationToken.None)) Assert.Equal(1, locks.HeldOrAwaitedCount);
    }
}
