using BillHolder.Server.Infrastructure.Database;
using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace BillHolder.Server.Infrastructure.Errors;

internal static class ErrorHandling
{
    public static IHostApplicationBuilder AddErrorHandling(this IHostApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            var status = context.ProblemDetails.Status ?? context.HttpContext.Response.StatusCode;
            // ASP.NET Core knows no type URI for these two; every problem should carry one.
            context.ProblemDetails.Type ??= status switch
            {
                413 => "https://tools.ietf.org/html/rfc9110#section-15.5.14",
                429 => "https://tools.ietf.org/html/rfc6585#section-4",
                _ => null,
            };
            context.ProblemDetails.Extensions.TryAdd("code", ErrorCodes.ForStatus(status));
            context.ProblemDetails.Extensions.TryAdd("traceId", context.HttpContext.TraceIdentifier);
        });
        // Binding failures (malformed JSON, wrong content type) throw, so one handler turns them into problems.
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        return builder;
    }

    public static IApplicationBuilder UseErrorHandling(this IApplicationBuilder app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            ExceptionHandler = WriteExceptionProblem,
            // The middleware would log every bad request as an unhandled error with a stack trace, letting anyone
            // fill the error log; WriteExceptionProblem logs each exception once, at the level it deserves.
            SuppressDiagnosticsCallback = _ => true,
        });
        app.UseStatusCodePages(async context =>
        {
            var http = context.HttpContext;
            var problems = http.RequestServices.GetRequiredService<IProblemDetailsService>();
            await problems.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = http,
                ProblemDetails = { Status = http.Response.StatusCode, Detail = DetailFor(http.Response.StatusCode) },
            });
        });
        return app;
    }

    private static async Task WriteExceptionProblem(HttpContext http)
    {
        var exception = http.Features.Get<IExceptionHandlerFeature>()?.Error;
        var logger = http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("BillHolder.Errors");
        if (http.RequestAborted.IsCancellationRequested && exception is OperationCanceledException or IOException)
        {
            // The client hung up and the work stopped because of it: nobody reads an answer, and it is not our error.
            // Anything else thrown meanwhile is a real error and is logged below.
            logger.LogInformation("Client closed {Method} {Path} before the answer", http.Request.Method, http.Request.Path.Value);
            http.Response.StatusCode = 499;
            return;
        }
        var (status, code, detail) = Classify(exception);
        if (status < 500) logger.LogInformation("Rejected {Method} {Path}: {Code} ({Reason})", http.Request.Method, http.Request.Path.Value, code, exception?.Message);
        else if (exception is not null && DatabaseBreaker.IsRefusal(exception)) logger.LogInformation("Refused {Method} {Path}: the database is not answering", http.Request.Method, http.Request.Path.Value);
        else if (exception is not null && DbConnectionFactory.IsOutage(exception)) logger.LogWarning("Database unavailable: {Error}", exception.Message);
        else logger.LogError(exception, "Unhandled error on {Method} {Path}", http.Request.Method, http.Request.Path.Value);

        http.Response.StatusCode = status;
        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            // Contention clears in a moment; a database that does not answer is tried again after the breaker's pause.
            var wait = exception is not null && DbConnectionFactory.IsContention(exception)
                ? TimeSpan.FromSeconds(1)
                : http.RequestServices.GetRequiredService<DatabaseBreaker>().BreakDuration;
            http.Response.Headers.RetryAfter = ((int)wait.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        var problems = http.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            Exception = exception,
            ProblemDetails = new ProblemDetails { Status = status, Detail = detail, Extensions = { ["code"] = code } },
        });
    }

    private static (int Status, string Code, string Detail) Classify(Exception? exception) => exception switch
    {
        BadHttpRequestException { StatusCode: 413 } =>
            (413, ErrorCodes.PayloadTooLarge, "The request body is larger than this endpoint accepts."),
        BadHttpRequestException { StatusCode: 415 } =>
            (415, ErrorCodes.UnsupportedMediaType, "Send the body as application/json."),
        // The JSON path names the offending key (a duplicate, a wrong type) without naming internal types.
        BadHttpRequestException { InnerException: JsonException json } => Malformed(json),
        JsonException json => Malformed(json),
        // The framework's own wording names internal parameter types; clients get the documented contract instead.
        BadHttpRequestException bad => (bad.StatusCode, ErrorCodes.ForStatus(bad.StatusCode),
            "The request is malformed: send the documented JSON body (Content-Type: application/json) and parameters."),
        { } refused when DatabaseBreaker.IsRefusal(refused) =>
            (503, ErrorCodes.DatabaseUnavailable, "The database is not answering; try again shortly."),
        { } contention when DbConnectionFactory.IsContention(contention) =>
            (503, ErrorCodes.DatabaseUnavailable, "The database is busy with conflicting writes; try again shortly."),
        { } outage when DbConnectionFactory.IsUnreachable(outage) =>
            (503, ErrorCodes.DatabaseUnavailable, "The database is unavailable; try again shortly."),
        _ => (500, ErrorCodes.InternalError, "An unexpected error occurred."),
    };

    private static (int, string, string) Malformed(JsonException json) => (400, ErrorCodes.MalformedRequest,
        json.Path is { Length: > 1 } path
            ? $"The request body is not valid JSON of the expected shape at {path} (a value of the wrong type, or a key sent twice)."
            : "The request body is not valid JSON of the expected shape.");

    // Answers the framework sets by status alone. 400 and 408 also come from Kestrel when a body cannot be read
    // (bad chunked framing; a body that stops short of its Content-Length).
    private static string DetailFor(int status) => status switch
    {
        400 => "The request is malformed: send the documented JSON body (Content-Type: application/json) and parameters.",
        408 => "The request body did not arrive in time: it stopped before its Content-Length, or came too slowly.",
        401 => "Authentication is required: send a valid bearer token.",
        403 => "You may not do this.",
        404 => "No such resource.",
        405 => "This method is not allowed on this resource.",
        413 => "The request body is larger than this endpoint accepts.",
        415 => "Send the body as application/json.",
        429 => "Too many requests; slow down.",
        _ => "The request failed.",
    };
}
