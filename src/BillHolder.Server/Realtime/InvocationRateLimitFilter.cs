using System.Threading.RateLimiting;
using BillHolder.Server.Accounts;
using BillHolder.Server.Infrastructure.Database;
using BillHolder.Server.Infrastructure.Errors;
using BillHolder.Server.Infrastructure.Redis;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace BillHolder.Server.Realtime;

// Every hub call passes here: a token bucket per user (over all their connections), so one client cannot
// starve a book or the server; and database trouble answered with the same code REST uses.
internal sealed class InvocationRateLimitFilter(IOptions<RealtimeOptions> options, DatabaseBreaker breaker, SharedLimits shared,
    ILogger<InvocationRateLimitFilter> logger) : IHubFilter, IDisposable
{
    // Shared over instances through Redis when it is there (SharedTokenBucket), this instance's own otherwise.
    private readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.Create<string, string>(user =>
        RateLimitPartition.Get(user, key => new SharedTokenBucket(shared, "hub:" + key, new TokenBucketRateLimiterOptions
        {
            TokenLimit = options.Value.InvocationBurst,
            TokensPerPeriod = options.Value.InvocationsPerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        })));

    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext context, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        var user = context.Context.User?.FindFirst(CurrentUser.IdClaim)?.Value ?? context.Context.ConnectionId;
        using var lease = await _limiter.AcquireAsync(user);
        if (!lease.IsAcquired)
        {
            throw new HubException($"{ErrorCodes.RateLimited}: at most {options.Value.InvocationsPerSecond} calls per second per user; slow down.");
        }
        try
        {
            // A hub call is one ordinary unit of database work, as an API request is.
            return await breaker.RunAsync(_ => next(context), CancellationToken.None);
        }
        catch (Exception ex) when (DatabaseBreaker.IsRefusal(ex))
        {
            throw new HubException($"{ErrorCodes.DatabaseUnavailable}: the database is not answering; try again in {breaker.BreakDuration.TotalSeconds:0} s.");
        }
        catch (Exception ex) when (DbConnectionFactory.IsOutage(ex))
        {
            // As REST does: the client hears "try again", the operator gets the real cause.
            logger.LogWarning(ex, "Database error in hub call {Method}", context.HubMethodName);
            throw new HubException($"{ErrorCodes.DatabaseUnavailable}: the database is unavailable; try again shortly.");
        }
    }

    public void Dispose() => _limiter.Dispose();
}
