using BillHolder.Server.Infrastructure.Database;
using BillHolder.Server.Infrastructure.Errors;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BillHolder.Server.Infrastructure;

internal static class HealthApi
{
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/health").AllowAnonymous();
        group.MapGet("/live", Live);
        group.MapGet("/ready", Ready);
        return app;
    }

    private static Ok<HealthStatus> Live() => TypedResults.Ok(new HealthStatus("live"));

    private static async Task<Results<Ok<HealthStatus>, ProblemHttpResult>> Ready(
        DbConnectionFactory connections, DatabaseState state, CancellationToken cancellationToken)
    {
        if (!state.SchemaReady) return Unavailable("The database schema is not ready yet.");
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            await using var connection = await connections.OpenAsync(timeout.Token);
            await connection.ExecuteScalarAsync<int>(new CommandDefinition("SELECT 1", cancellationToken: timeout.Token));
            return TypedResults.Ok(new HealthStatus("ready"));
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or OperationCanceledException or TimeoutException)
        {
            return Unavailable("The database is unreachable.");
        }
    }

    private static ProblemHttpResult Unavailable(string detail) =>
        new ApiError(StatusCodes.Status503ServiceUnavailable, ErrorCodes.DatabaseUnavailable, detail).ToProblem();

    internal sealed record HealthStatus(string Status);
}
