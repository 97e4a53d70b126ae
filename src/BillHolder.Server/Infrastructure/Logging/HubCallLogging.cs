using Microsoft.AspNetCore.SignalR;

namespace BillHolder.Server.Infrastructure.Logging;

// A HubException is the hub's answer to a client mistake (validation_failed, forbidden, rate_limited, ...):
// one line at Information with its code, no stack trace. SignalR's own Error lines for it are filtered out.
internal sealed class HubCallLogging(ILogger<HubCallLogging> logger) : IHubFilter
{
    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext context, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        try
        {
            return await next(context);
        }
        catch (HubException ex)
        {
            logger.LogInformation("Hub call {Method} answered {Code}", context.HubMethodName, CodeOf(ex));
            throw;
        }
    }

    public async Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        try
        {
            await next(context);
        }
        catch (HubException ex)
        {
            logger.LogInformation("Hub connection refused: {Code}", CodeOf(ex));
            throw;
        }
    }

    // The message starts with the error code; the details after it may be long and are the client's business.
    private static string CodeOf(HubException ex) =>
        ex.Message.IndexOf(':') is var colon and > 0 ? ex.Message[..colon] : "hub_error";
}
