using System.Threading.RateLimiting;
using BillHolder.Server.Accounts;
using BillHolder.Server.Books.Engine;
using BillHolder.Server.Books.Exports;
using BillHolder.Server.Books.Parsing;
using BillHolder.Server.Books.Storage;
using BillHolder.Server.Infrastructure;
using BillHolder.Server.Infrastructure.Http;
using BillHolder.Server.Infrastructure.OpenApi;
using BillHolder.Server.Infrastructure.Redis;
using static BillHolder.Server.Infrastructure.Errors.ErrorCodes;
using Microsoft.Extensions.Options;

namespace BillHolder.Server.Books;

// The book feature: books, their members and their sync are one aggregate. This file is its whole route
// table, with who may call each route; handlers live in BooksApi, MembersApi and SyncApi.
internal static class BooksModule
{
    public const string WriteRateLimit = "book-writes";
    public const string InviteAcceptRateLimit = "invite-accepts";
    private const string Json = "application/json";

    public static IEndpointRouteBuilder MapBooks(this IEndpointRouteBuilder app)
    {
        var maxBody = app.ServiceProvider.GetRequiredService<IOptions<SyncOptions>>().Value.MaxSyncBodyBytes;
        var books = app.MapGroup("/api/books").RequireAuthorization();
        // Creating and renaming books write like syncs do, so they share the per-user sync rate limit.
        books.MapPost("/", BooksApi.Create).WithBodySizeLimit(maxBody).RequireRateLimiting(WriteRateLimit)
            .Accepts<BodySchemas.NewBookBody>(Json).Problems(422, ValidationFailed).Problems(409, UnknownWallet);
        books.MapGet("/", BooksApi.List);

        var book = books.MapGroup("/{bookId:long}");
        book.MapGet("/", BooksApi.Get).RequireBookRole(BookRole.Viewer);
        book.MapPatch("/", BooksApi.Update).RequireBookRole(BookRole.Editor, checkedByService: true).RequireRateLimiting(WriteRateLimit)
            .Accepts<BodySchemas.BookMetaBody>(Json).Problems(422, ValidationFailed);
        book.MapDelete("/", BooksApi.Delete).RequireBookRole(BookRole.Owner, checkedByService: true);

        book.MapGet("/members", MembersApi.List).RequireBookRole(BookRole.Viewer);
        book.MapPut("/members/{username}", MembersApi.Put).RequireBookRole(BookRole.Owner)
            .Problems(422, ValidationFailed).Problems(404, UserNotFound).Problems(409, LastOwner);
        // Owners remove anyone; any member may remove themselves (leave the book): the handler tells which.
        book.MapDelete("/members/{username}", MembersApi.Remove).RequireBookRole(BookRole.Viewer)
            .Problems(403, Forbidden).Problems(404, UserNotFound, MemberNotFound).Problems(409, LastOwner);

        book.MapPost("/invites", InvitesApi.Create).RequireBookRole(BookRole.Owner).Problems(422, ValidationFailed);
        book.MapGet("/invites", InvitesApi.List).RequireBookRole(BookRole.Owner);
        book.MapDelete("/invites/{inviteId:long}", InvitesApi.Delete).RequireBookRole(BookRole.Owner).Problems(404, InviteNotFound);
        // The code travels in the body: paths are logged.
        app.MapPost("/api/invites/accept", InvitesApi.Accept).RequireAuthorization().RequireRateLimiting(InviteAcceptRateLimit)
            .Problems(404, InviteNotFound);

        book.MapPost("/sync", SyncApi.Sync).RequireBookRole(BookRole.Editor, checkedByService: true)
            .WithBodySizeLimit(maxBody).RequireRateLimiting(WriteRateLimit)
            .Accepts<BodySchemas.SyncBody>(Json).Problems(422, ValidationFailed).Problems(409, UnknownWallet, WalletInUse, SyncIdReused);
        book.MapGet("/changes", SyncApi.Changes).RequireBookRole(BookRole.Viewer, checkedByService: true).Problems(422, ValidationFailed);
        book.MapGet("/snapshot", SyncApi.Snapshot).RequireBookRole(BookRole.Viewer, checkedByService: true).Problems(422, ValidationFailed);
        book.MapGet("/history", SyncApi.History).RequireBookRole(BookRole.Viewer).Problems(422, ValidationFailed);
        book.MapGet("/consistency", SyncApi.Consistency).RequireBookRole(BookRole.Viewer);
        book.MapGet("/reports", SyncApi.Reports).RequireBookRole(BookRole.Viewer, checkedByService: true)
            .WithName("GetBookReport").Produces<BookReport>(StatusCodes.Status200OK, "application/json")
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity).ProducesProblem(StatusCodes.Status404NotFound)
            .Problems(422, ValidationFailed);

        MapExports(books, book, app.ServiceProvider.GetRequiredService<IOptions<ImportOptions>>().Value);
        return app;
    }

    // Export and import bodies are streams the handlers read and write themselves, so their shapes are declared here.
    private static void MapExports(RouteGroupBuilder books, RouteGroupBuilder book, ImportOptions limits)
    {
        book.MapGet("/export", ExportApi.Export).RequireBookRole(BookRole.Viewer, checkedByService: true)
            .WithName("ExportBook")
            .Produces<BookExport>(StatusCodes.Status200OK, "application/json", "text/csv")
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity).ProducesProblem(StatusCodes.Status404NotFound)
            .Problems(422, ValidationFailed);
        books.MapPost("/import", ExportApi.Import).WithBodySizeLimit(limits.MaxBodyBytes).RequireRateLimiting(WriteRateLimit)
            .WithName("ImportBook")
            .Accepts<BookExport>("application/json")
            .Produces<ImportedBookResult>(StatusCodes.Status201Created, "application/json")
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity).ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .Problems(422, ValidationFailed).Problems(400, MalformedRequest);
        book.MapPost("/import", ExportApi.ImportCsv).RequireBookRole(BookRole.Editor).WithBodySizeLimit(limits.MaxCsvBodyBytes)
            .RequireRateLimiting(WriteRateLimit)
            .WithName("ImportBookCsv")
            .Accepts<string>("text/csv")
            .Produces<SyncResult>(StatusCodes.Status200OK, "application/json")
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity).ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType).ProducesProblem(StatusCodes.Status429TooManyRequests)
            .Problems(422, ValidationFailed).Problems(409, UnknownWallet, SyncIdReused).Problems(400, MalformedRequest);
    }

    public static IHostApplicationBuilder AddBooks(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SyncOptions>()
            .BindConfiguration(SyncOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddOptions<ImportOptions>()
            .BindConfiguration(ImportOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<KeyedLock<long>>();
        builder.Services.AddSingleton<BookStateCache>();
        builder.Services.AddSingleton<BookStore>();
        builder.Services.AddSingleton<MemberStore>();
        builder.Services.AddSingleton<ChangeLogStore>();
        builder.Services.AddSingleton<ReceiptStore>();
        builder.Services.AddSingleton<InviteStore>();
        builder.Services.AddSingleton<InvitePruner>();
        builder.Services.AddHostedService(services => services.GetRequiredService<InvitePruner>());
        builder.Services.AddSingleton<BookAccess>();
        builder.Services.AddSingleton<SyncParser>();
        builder.Services.AddSingleton<BookWriter>();
        builder.Services.AddSingleton<BookService>();
        builder.Services.AddSingleton<Checkpointer>();
        builder.Services.AddHostedService(services => services.GetRequiredService<Checkpointer>());
        builder.Services.AddSingleton<IAccountDeletion, AccountBooks>();
        builder.Services.AddHostedService<LogPruner>();
        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            // Every 429 says when to come back: the token bucket knows when the next token arrives.
            limiter.OnRejected = (context, _) =>
            {
                var wait = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1);
                context.HttpContext.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                return ValueTask.CompletedTask;
            };
            // Per user: a burst for an app coming back online, then a steady rate. One budget over all instances
            // while Redis is there (SharedTokenBucket), each instance's own otherwise.
            limiter.AddPolicy(WriteRateLimit, http =>
            {
                var settings = http.RequestServices.GetRequiredService<IOptions<SyncOptions>>().Value;
                var shared = http.RequestServices.GetRequiredService<SharedLimits>();
                return RateLimitPartition.Get(
                    http.User.FindFirst(CurrentUser.IdClaim)?.Value ?? http.Connection.RemoteIpAddress?.ToString() ?? "anonymous",
                    key => new SharedTokenBucket(shared, "writes:" + key, new TokenBucketRateLimiterOptions
                    {
                        TokenLimit = settings.RateLimitBurst,
                        TokensPerPeriod = settings.RateLimitPerSecond,
                        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                        QueueLimit = 0,
                    }));
            });
            // Codes are 128 random bits, so guessing is hopeless anyway; this keeps a script from trying.
            limiter.AddPolicy(InviteAcceptRateLimit, http =>
            {
                var settings = http.RequestServices.GetRequiredService<IOptions<SyncOptions>>().Value;
                return RateLimitPartition.GetFixedWindowLimiter(
                    http.User.FindFirst(CurrentUser.IdClaim)?.Value ?? http.Connection.RemoteIpAddress?.ToString() ?? "anonymous",
                    _ => new FixedWindowRateLimiterOptions
                    {
                        PermitLimit = settings.InviteAcceptsPerMinute,
                        Window = TimeSpan.FromMinutes(1),
                        QueueLimit = 0,
                    });
            });
        });
        return builder;
    }

    // "Who may call this" in the route table. Routes whose service reads the caller's role inside its own
    // transaction (in the same round trip as the book row lock) record the requirement without checking it twice.
    private static RouteHandlerBuilder RequireBookRole(this RouteHandlerBuilder route, BookRole role, bool checkedByService = false)
    {
        route.WithMetadata(new BookRoleRequirement(role, checkedByService)).Problems(404, BookNotFound);
        if (role > BookRole.Viewer) route.Problems(403, Forbidden);
        if (checkedByService) return route;
        return route.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var bookId = long.Parse((string)http.Request.RouteValues["bookId"]!, System.Globalization.CultureInfo.InvariantCulture);
            var access = http.RequestServices.GetRequiredService<BookAccess>();
            var denied = await access.CheckAsync(bookId, CurrentUser.From(http.User).Id, role, http.RequestAborted);
            return denied is null ? await next(context) : denied.ToProblem();
        });
    }
}

// Endpoint metadata: the least book role a route needs.
internal sealed record BookRoleRequirement(BookRole Role, bool CheckedByService);
