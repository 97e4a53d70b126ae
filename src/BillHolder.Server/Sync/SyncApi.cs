using System.Text.Json;
using System.Threading.RateLimiting;
using BillHolder.Server.Accounts;
using BillHolder.Server.Books;
using BillHolder.Server.Infrastructure.Errors;
using BillHolder.Server.Infrastructure.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace BillHolder.Server.Sync;

internal static class SyncApi
{
    public const string RateLimitPolicy = "sync";

    public static IEndpointRouteBuilder MapSync(this IEndpointRouteBuilder app)
    {
        var maxBody = app.ServiceProvider.GetRequiredService<IOptions<SyncOptions>>().Value.MaxSyncBodyBytes;
        var book = app.MapGroup("/api/books/{bookId:long}").RequireAuthorization();
        book.MapPost("/sync", Sync).WithBodySizeLimit(maxBody).RequireRateLimiting(RateLimitPolicy);
        book.MapGet("/changes", Changes);
        book.MapGet("/history", History);
        book.MapGet("/consistency", Consistency);
        return app;
    }

    public static IHostApplicationBuilder AddSync(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SyncOptions>()
            .BindConfiguration(SyncOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<BookLocks>();
        builder.Services.AddSingleton<BookStateCache>();
        builder.Services.AddSingleton<SyncLogStore>();
        builder.Services.AddSingleton<SyncService>();
        builder.Services.AddSingleton<SyncRequests>();
        builder.Services.AddHostedService<SyncLogPruner>();
        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            // Per user: a burst for an app coming back online, then a steady rate.
            limiter.AddPolicy(RateLimitPolicy, http => RateLimitPartition.GetTokenBucketLimiter(
                http.User.FindFirst(CurrentUser.IdClaim)?.Value ?? http.Connection.RemoteIpAddress?.ToString() ?? "anonymous",
                _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = http.RequestServices.GetRequiredService<IOptions<SyncOptions>>().Value.RateLimitBurst,
                    TokensPerPeriod = http.RequestServices.GetRequiredService<IOptions<SyncOptions>>().Value.RateLimitPerSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                }));
        });
        return builder;
    }

    private static async Task<Results<Ok<SyncResult>, ProblemHttpResult>> Sync(
        long bookId, [FromBody] JsonElement body, [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey,
        HttpContext http, SyncRequests requests, SyncService sync, CancellationToken cancellationToken)
    {
        var (request, failure) = requests.Parse(body, idempotencyKey);
        if (failure is not null) return failure.ToProblem();

        var reply = await sync.SyncAsync(bookId, CurrentUser.From(http.User), request!, originConnectionId: null, cancellationToken);
        if (reply is SyncReply.Done { Replayed: true }) http.Response.Headers["Idempotent-Replayed"] = "true";
        return ToResult(reply);
    }

    private static async Task<Results<Ok<ChangeSet>, ProblemHttpResult>> Changes(
        long bookId, [FromQuery(Name = "since")] string? sinceText, HttpContext http, SyncService sync, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var since = QueryParameters.Integer(sinceText, "since", 0, long.MaxValue, errors);
        if (errors.Count > 0) return Problems.Validation(errors);
        var reply = await sync.ChangesSinceAsync(bookId, CurrentUser.From(http.User), since, cancellationToken);
        return reply switch
        {
            SyncReply.Done done => TypedResults.Ok(done.Result.Changes!),
            SyncReply.Failed failed => failed.Failure.ToProblem(),
            _ => throw new InvalidOperationException(),
        };
    }

    private static async Task<Results<Ok<IReadOnlyList<HistoryEntry>>, ProblemHttpResult>> History(
        long bookId, [FromQuery(Name = "before")] string? beforeText, [FromQuery(Name = "limit")] string? limitText,
        HttpContext http, BookAccess access, SyncLogStore log, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var before = QueryParameters.Integer(beforeText, "before", 1, long.MaxValue, errors);
        var limit = (int?)QueryParameters.Integer(limitText, "limit", 1, 200, errors);
        if (errors.Count > 0) return Problems.Validation(errors);
        if (await access.DenyUnlessAsync(bookId, CurrentUser.From(http.User), BookRole.Viewer, cancellationToken) is { } denied) return denied;
        return TypedResults.Ok(await log.HistoryAsync(bookId, before ?? long.MaxValue, limit ?? 50, cancellationToken));
    }

    private static async Task<Results<Ok<ConsistencyReport>, ProblemHttpResult>> Consistency(
        long bookId, HttpContext http, BookAccess access, SyncService sync, CancellationToken cancellationToken)
    {
        if (await access.DenyUnlessAsync(bookId, CurrentUser.From(http.User), BookRole.Viewer, cancellationToken) is { } denied) return denied;
        // Straight from the database, not the cache: this endpoint exists to check what is stored.
        var book = await sync.StoredAsync(bookId, cancellationToken);
        if (book is null) return Problems.BookNotFound();
        var names = book.Wallets.ToDictionary(w => w.Key, w => w.Value.Name);
        var wallets = BookBalances.Recompute(book)
            .Select(c => new WalletConsistency(c.WalletId, names[c.WalletId], c.Stored, c.Recomputed ?? 0, c.Consistent))
            .ToList();
        return TypedResults.Ok(new ConsistencyReport(bookId, book.Version, wallets.All(w => w.Ok), wallets));
    }

    private static Results<Ok<SyncResult>, ProblemHttpResult> ToResult(SyncReply reply) => reply switch
    {
        SyncReply.Done done => TypedResults.Ok(done.Result),
        SyncReply.Failed failed => failed.Failure.ToProblem(),
        _ => throw new InvalidOperationException(),
    };
}
