using BillHolder.Server.Accounts;
using BillHolder.Server.Books;
using BillHolder.Server.Infrastructure.Http;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace BillHolder.Server.Realtime;

// Real time: the hub, per-book ordered fan-out, presence, the hub's limits and (with Redis) the same over instances. Depends on Books, never the
// reverse: Books reports through IBookEvents, implemented here by BookFanout.
internal static class RealtimeModule
{
    public static IHostApplicationBuilder AddRealtime(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RealtimeOptions>()
            .BindConfiguration(RealtimeOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSignalR(hub =>
        {
            hub.EnableDetailedErrors = false;
            hub.AddFilter<InvocationRateLimitFilter>();
            hub.AddFilter<InvalidArgumentsFilter>();
        });
        BindingFailureProtocol.Decorate(builder.Services);
        builder.Services.AddOptions<HubOptions>().Configure<IOptions<RealtimeOptions>>((hub, realtime) =>
            hub.MaximumReceiveMessageSize = realtime.Value.MaxMessageBytes);
        builder.Services.AddSingleton<InvocationRateLimitFilter>();
        builder.Services.AddSingleton<InvalidArgumentsFilter>();
        builder.Services.AddSingleton<BookSubscriptions>();
        builder.Services.AddSingleton<BookFanout>();
        builder.Services.AddSingleton<IBookEvents>(services => services.GetRequiredService<BookFanout>());
        builder.Services.AddSingleton<ConnectionOutboxes>();
        builder.Services.AddSingleton<ISessionEvents, SessionConnections>();
        builder.Services.AddSingleton<ClusterNotices>();
        builder.Services.AddSingleton<ClusterPresence>();
        builder.Services.AddSingleton<ClusterListener>();
        builder.Services.AddHostedService(services => services.GetRequiredService<ClusterListener>());
        return builder;
    }

    public static IEndpointRouteBuilder MapRealtime(this IEndpointRouteBuilder app)
    {
        // Long-polling clients post their hub messages as HTTP bodies: they get the hub's limit, not the API's.
        var maxMessage = app.ServiceProvider.GetRequiredService<IOptions<RealtimeOptions>>().Value.MaxMessageBytes;
        // An open connection must not outlive its access token: the app reconnects with a fresh one.
        app.MapHub<BookHub>("/hubs/books", hub => hub.CloseOnAuthenticationExpiration = true).WithBodySizeLimit(maxMessage);
        return app;
    }
}
