namespace BillHolder.Server.Infrastructure.Database;

internal static class DatabaseExtensions
{
    public static IHostApplicationBuilder AddDatabase(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DatabaseOptions>()
            .BindConfiguration(DatabaseOptions.SectionName)
            .Configure<IConfiguration>((options, configuration) =>
                options.ConnectionString = configuration.GetConnectionString("BillHolder") ?? options.ConnectionString)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<DbConnectionFactory>();
        builder.Services.AddSingleton<DatabaseBreaker>();
        builder.Services.AddSingleton<DatabaseState>();
        builder.Services.AddSingleton<SchemaMigrator>();
        builder.Services.AddHostedService(services => services.GetRequiredService<SchemaMigrator>());
        builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: [HealthApi.ReadyTag]);
        return builder;
    }
}
