using System.Runtime.ExceptionServices;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;

namespace BillHolder.Server.Infrastructure.Database;

// A circuit breaker over ordinary units of work (API requests, hub calls, the readiness probe): once most of them
// fail because the database does not answer, the next BreakSeconds refuse at once (503) instead of each waiting
// for its timeouts; then one is let through to try. Only "unreachable" outcomes count: lock contention, client
// mistakes and long work (migrations, pruning: they do not run through here) never open it.
internal sealed class DatabaseBreaker
{
    private readonly CircuitBreakerStateProvider _state = new();
    private readonly ResiliencePipeline _pipeline;

    public DatabaseBreaker(IOptions<DatabaseOptions> options, ILogger<DatabaseBreaker> logger)
    {
        BreakDuration = TimeSpan.FromSeconds(options.Value.BreakSeconds);
        _pipeline = new ResiliencePipelineBuilder().AddCircuitBreaker(new CircuitBreakerStrategyOptions
        {
            // Failures show up only after the short command timeout, and meanwhile nothing succeeds: a window just
            // longer than that timeout lets the successes from before the freeze age out quickly.
            FailureRatio = 0.5,
            MinimumThroughput = 2,
            SamplingDuration = TimeSpan.FromSeconds(options.Value.ShortCommandTimeoutSeconds + 1),
            BreakDuration = BreakDuration,
            StateProvider = _state,
            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } ex && DbConnectionFactory.IsUnreachable(ex)),
            OnOpened = args =>
            {
                logger.LogWarning("Database not answering: refusing database work for {Seconds} s ({Error})",
                    args.BreakDuration.TotalSeconds, args.Outcome.Exception?.Message);
                return ValueTask.CompletedTask;
            },
            OnClosed = _ =>
            {
                logger.LogInformation("Database answers again");
                return ValueTask.CompletedTask;
            },
        }).Build();
    }

    public TimeSpan BreakDuration { get; }

    public bool IsOpen => _state.CircuitState is CircuitState.Open or CircuitState.Isolated;

    public ValueTask RunAsync(Func<CancellationToken, ValueTask> work, CancellationToken cancellationToken) =>
        _pipeline.ExecuteAsync(work, cancellationToken);

    public ValueTask<T> RunAsync<T>(Func<CancellationToken, ValueTask<T>> work, CancellationToken cancellationToken) =>
        _pipeline.ExecuteAsync(work, cancellationToken);

    // True for the breaker's own refusal.
    public static bool IsRefusal(Exception exception) => exception is BrokenCircuitException;

}

internal static class DatabaseBreakerMiddleware
{
    // API requests run through the breaker (hub calls do in InvocationRateLimitFilter; a hub connection itself is
    // long-lived and no unit of work). Requests that are not routed, or are not under /api, do not touch it.
    public static IApplicationBuilder UseDatabaseBreaker(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        if (http.GetEndpoint() is null || !http.Request.Path.StartsWithSegments("/api"))
        {
            await next(http);
            return;
        }
        var breaker = http.RequestServices.GetRequiredService<DatabaseBreaker>();
        // Only the database not answering is the breaker's business: a client that hung up (its work cancelled
        // mid-command) or any other error passes around it, so no client can open it for everyone.
        ExceptionDispatchInfo? passed = null;
        await breaker.RunAsync(async _ =>
        {
            try
            {
                await next(http);
            }
            catch (Exception ex) when (http.RequestAborted.IsCancellationRequested || !DbConnectionFactory.IsUnreachable(ex))
            {
                passed = ExceptionDispatchInfo.Capture(ex);
            }
        }, CancellationToken.None);
        passed?.Throw();
    });
}
