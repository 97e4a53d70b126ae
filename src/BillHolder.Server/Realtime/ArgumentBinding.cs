using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Text.Json;
using BillHolder.Server.Infrastructure.Errors;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;

namespace BillHolder.Server.Realtime;

// Hub calls whose arguments do not bind (a wrong count or type) never reach a hub filter: SignalR answers them
// itself with an uncoded "Failed to invoke" and logs nothing. This protocol decorator turns such a call back
// into an invocation of its method whose only argument says what went wrong; InvalidArgumentsFilter then
// refuses it with a coded error naming the method's parameters, after authorization and the rate limit.
internal sealed class BindingFailureProtocol(IHubProtocol inner) : IHubProtocol
{
    public string Name => inner.Name;

    public int Version => inner.Version;

    public TransferFormat TransferFormat => inner.TransferFormat;

    public bool TryParseMessage(ref ReadOnlySequence<byte> input, IInvocationBinder binder, [NotNullWhen(true)] out HubMessage? message)
    {
        if (!inner.TryParseMessage(ref input, binder, out message)) return false;
        if (message is InvocationBindingFailureMessage failure)
        {
            message = new InvocationMessage(failure.InvocationId, failure.Target, [new InvalidArguments(failure.BindingFailure.SourceException)]);
        }
        return true;
    }

    public void WriteMessage(HubMessage message, IBufferWriter<byte> output) => inner.WriteMessage(message, output);

    public ReadOnlyMemory<byte> GetMessageBytes(HubMessage message) => inner.GetMessageBytes(message);

    public bool IsVersionSupported(int version) => inner.IsVersionSupported(version);

    // Wraps every protocol registered so far (JSON, and any added beside it).
    public static void Decorate(IServiceCollection services)
    {
        for (var i = 0; i < services.Count; i++)
        {
            var descriptor = services[i];
            if (descriptor.ServiceType != typeof(IHubProtocol) || descriptor.ImplementationType is not { } type) continue;
            services[i] = ServiceDescriptor.Singleton<IHubProtocol>(provider =>
                new BindingFailureProtocol((IHubProtocol)ActivatorUtilities.CreateInstance(provider, type)));
        }
    }
}

// The argument a call that failed to bind carries instead of its own.
internal sealed record InvalidArguments(Exception Cause);

internal sealed class InvalidArgumentsFilter(ILogger<InvalidArgumentsFilter> logger) : IHubFilter
{
    public ValueTask<object?> InvokeMethodAsync(HubInvocationContext context, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        if (context.HubMethodArguments is not [InvalidArguments invalid, ..]) return next(context);

        var shape = Shape(context.HubMethod);
        logger.LogInformation("Refused hub call {Method} with arguments that do not bind: {Reason}", context.HubMethodName, invalid.Cause.Message);
        throw new HubException($"{ErrorCodes.InvalidArguments}: {shape} expects every argument, in this order (null for an optional one).");
    }

    // "OpenBook(bookId: integer, sinceVersion: integer or null)": the method as a client must call it.
    private static string Shape(MethodInfo method)
    {
        var nullability = new NullabilityInfoContext();
        var parameters = method.GetParameters()
            .Where(p => p.ParameterType != typeof(CancellationToken))
            .Select(p => $"{p.Name}: {TypeName(p.ParameterType)}{(nullability.Create(p).ReadState == NullabilityState.Nullable ? " or null" : "")}");
        return $"{method.Name}({string.Join(", ", parameters)})";
    }

    private static string TypeName(Type type) => (Nullable.GetUnderlyingType(type) ?? type) switch
    {
        var t when t == typeof(long) || t == typeof(int) => "integer",
        var t when t == typeof(string) => "string",
        var t when t == typeof(bool) => "boolean",
        var t when t == typeof(JsonElement) => "object",
        var t => t.Name,
    };
}
