using BillHolder.Server.Infrastructure.Database;
using BillHolder.Server.Infrastructure.Errors;
using Dapper;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.OpenApi;

namespace BillHolder.Server.Infrastructure;

// /health/live answers while the process runs; /health/ready runs the checks tagged "ready" (the database).
// The answers are ours, not the package's: {"status": ...} and the 503 database_unavailable problem.
internal static class HealthApi
{
    public const string ReadyTag = "ready";

    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteLive }).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag), ResponseWriter = WriteReady })
            .AllowAnonymous();
        return app;
    }

    // Health checks are not route handlers, so the OpenAPI document learns of them here.
    public static void Describe(OpenApiDocument document)
    {
        document.Paths ??= new OpenApiPaths();
        document.Paths["/health/live"] = Path(document, "live", "Answers while the process runs.", withOutage: false);
        document.Paths["/health/ready"] = Path(document, "ready", "Answers 200 once the schema is applied and the database answers within a second.", withOutage: true);
    }

    private static OpenApiPathItem Path(OpenApiDocument document, string status, string summary, bool withOutage)
    {
        var responses = new OpenApiResponses
        {
            ["200"] = new OpenApiResponse
            {
                Description = $"{{\"status\": \"{status}\"}}",
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/json"] = new()
                    {
                        Schema = new OpenApiSchema
                        {
                            Type = JsonSchemaType.Object,
                            Required = new HashSet<string> { "status" },
                            Properties = new Dictionary<string, IOpenApiSchema> { ["status"] = new OpenApiSchema { Type = JsonSchemaType.String } },
                        },
                    },
                },
            },
        };
        if (withOutage)
        {
            responses["503"] = new OpenApiResponse
            {
                Description = $"Problem: `{ErrorCodes.DatabaseUnavailable}`",
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference(OpenApi.ApiDocs.ProblemSchema, document) },
                },
            };
        }
        return new OpenApiPathItem
        {
            Operations = new Dictionary<HttpMethod, OpenApiOperation>
            {
                [HttpMethod.Get] = new() { Summary = summary, Tags = new HashSet<OpenApiTagReference> { new("Health") }, Responses = responses },
            },
        };
    }

    private static Task WriteLive(HttpContext http, HealthReport report) =>
        TypedResults.Ok(new HealthStatus("live")).ExecuteAsync(http);

    // Only the database makes an instance unready: without Redis it still serves every sync (pushes wait for the
    // version poll, limits go per instance), so a load balancer must not drain it. That state is "degraded".
    private static Task WriteReady(HttpContext http, HealthReport report)
    {
        var unhealthy = report.Entries.Values.Where(e => e.Status == Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Unhealthy).ToList();
        if (unhealthy.Count > 0)
        {
            var detail = unhealthy.Select(e => e.Description).FirstOrDefault(d => d is not null) ?? "The database is unreachable.";
            return new ApiError(StatusCodes.Status503ServiceUnavailable, ErrorCodes.DatabaseUnavailable, detail).ToProblem().ExecuteAsync(http);
        }
        return report.Status == Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Degraded
            ? TypedResults.Ok(new HealthStatus("degraded") { Redis = "unavailable" }).ExecuteAsync(http)
            : TypedResults.Ok(new HealthStatus("ready")).ExecuteAsync(http);
    }

    internal sealed record HealthStatus(string Status)
    {
        [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
        public string? Redis { get; init; }
    }
}

// Ready means: the schema is applied and the database answers within a second. The probe is an ordinary unit
// of work: it runs through the breaker, so while the breaker is open readiness fails at once, and a probe that
// does not answer counts toward opening it.
internal sealed class DatabaseHealthCheck(DbConnectionFactory connections, DatabaseState state, DatabaseBreaker breaker) : IHealthCheck
{
    private static readonly TimeSpan Patience = TimeSpan.FromMilliseconds(900);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken)
    {
        if (!state.SchemaReady) return HealthCheckResult.Unhealthy("The database schema is not ready yet.");
        if (breaker.IsOpen) return HealthCheckResult.Unhealthy("The database is not answering.");
        var probe = breaker.RunAsync(async token =>
        {
            await using var connection = await connections.OpenAsync(token);
            return await connection.ExecuteScalarAsync<int>(new CommandDefinition("SELECT 1", cancellationToken: token));
        }, CancellationToken.None).AsTask();
        try
        {
            // The driver's own timeouts end the probe later; the answer does not wait for them.
            await probe.WaitAsync(Patience, cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException || DbConnectionFactory.IsOutage(ex) || DatabaseBreaker.IsRefusal(ex))
        {
            _ = probe.ContinueWith(t => t.Exception, TaskContinuationOptions.OnlyOnFaulted);
            return HealthCheckResult.Unhealthy("The database is unreachable.");
        }
    }
}

// Degraded (never unhealthy) while a configured Redis is unreachable; healthy when none is configured.
internal sealed class RedisHealthCheck(Redis.RedisConnection redis) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken) =>
        Task.FromResult(!redis.IsConfigured || redis.IsAvailable ? HealthCheckResult.Healthy() : HealthCheckResult.Degraded("Redis is unreachable."));
}
