namespace BillHolder.Server.Realtime;

internal static class RealtimeExtensions
{
    public static IHostApplicationBuilder AddRealtime(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RealtimeOptions>()
            .BindConfiguration(RealtimeOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        var maxMessage = builder.Configuration.GetValue<long?>($"{RealtimeOptions.SectionName}:{nameof(RealtimeOptions.MaxMessageBytes)}")
            ?? new RealtimeOptions().MaxMessageBytes;
        builder.Services.AddSignalR(hub =>
        {
            hub.MaximumReceiveMessageSize = maxMessage;
            hub.EnableDetailedErrors = false;
            hub.AddFilter<InvocationRateLimitFilter>();
        });
        builder.Services.AddSingleton<InvocationRateLimitFilter>();
        builder.Services.AddSingleton<BookSubscriptions>();
        builder.Services.AddSingleton<BookFanout>();
        return builder;
    }

    public static IEndpointRouteBuilder MapRealtime(this IEndpointRouteBuilder app)
    {
        app.MapHub<BookHub>("/hubs/books");
        return app;
    }
}
