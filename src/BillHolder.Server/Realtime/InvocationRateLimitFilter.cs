using System.Threading.RateLimiting;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace BillHolder.Server.Realtime;

// Per-connection token bucket, so one chatty client cannot starve a book or the server.
internal sealed class InvocationRateLimitFilter(IOptions<RealtimeOptions> options) : IHubFilter
{
    private static readonly object LimiterKey = new();

    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext context, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        var limiter = (RateLimiter)context.Context.Items[LimiterKey]!;
        using var lease = limiter.AttemptAcquire();
        if (!lease.IsAcquired)
        {
            throw new HubException($"rate_limited: at most {options.Value.InvocationsPerSecond} calls per second per connection; slow down.");
        }
        return await next(context);
    }

    public Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        var settings = options.Value;
        context.Context.Items[LimiterKey] = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = settings.InvocationBurst,
            TokensPerPeriod = settings.InvocationsPerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        });
        return next(context);
    }

    public async Task OnDisconnectedAsync(HubLifetimeContext context, Exception? exception, Func<HubLifetimeContext, Exception?, Task> next)
    {
        if (context.Context.Items[LimiterKey] is RateLimiter limiter) await limiter.DisposeAsync();
        await next(context, exception);
    }
}
