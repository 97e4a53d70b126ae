using BillHolder.Server.Infrastructure.OpenApi;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using static BillHolder.Server.Infrastructure.Errors.ErrorCodes;

namespace BillHolder.Server.Accounts;

// Accounts: registration, sessions (login, refresh, logout; JWT HS256 access tokens), password change, account
// deletion, the throttles. A leaf: it depends on Infrastructure only; what it needs of other features goes through
// interfaces it owns (ISessionEvents, IAccountDeletion), implemented by them.
internal static class AccountsModule
{
    public static IEndpointRouteBuilder MapAccounts(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/api/auth").AllowAnonymous();
        auth.MapPost("/register", AuthApi.Register).Problems(422, ValidationFailed).Problems(409, UsernameTaken).Problems(429, RateLimited);
        auth.MapPost("/login", AuthApi.Login).Problems(401, InvalidCredentials).Problems(429, RateLimited);
        auth.MapPost("/refresh", AuthApi.Refresh).Problems(401, InvalidRefreshToken);
        auth.MapPost("/logout", AuthApi.Logout);

        var me = app.MapGroup("/api/me").RequireAuthorization();
        me.MapGet("/", AuthApi.Me);
        me.MapPut("/password", AuthApi.ChangePassword).Problems(403, InvalidCredentials).Problems(422, ValidationFailed).Problems(429, RateLimited);
        me.MapDelete("/", AuthApi.DeleteMe).Problems(403, InvalidCredentials).Problems(409, LastOwner).Problems(429, RateLimited);
        return app;
    }

    public static IHostApplicationBuilder AddAccounts(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AuthOptions>()
            .BindConfiguration(AuthOptions.SectionName)
            .Configure<IHostEnvironment>((options, environment) => options.IsDevelopment = environment.IsDevelopment())
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.TryAddTimeProvider();
        builder.Services.AddSingleton<UserStore>();
        builder.Services.AddSingleton<TokenIssuer>();
        builder.Services.AddSingleton<LoginThrottle>();
        builder.Services.AddSingleton<RegistrationThrottle>();
        builder.Services.AddSingleton<SessionStore>();
        builder.Services.AddSingleton<Sessions>();
        builder.Services.AddSingleton<SessionPruner>();
        builder.Services.AddHostedService(services => services.GetRequiredService<SessionPruner>());
        builder.Services.AddSingleton<IPasswordHasher<UserRecord>, PasswordHasher<UserRecord>>();

        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<AuthOptions>>((jwt, auth) =>
            {
                var settings = auth.Value;
                jwt.MapInboundClaims = false;
                jwt.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = settings.Issuer,
                    ValidAudience = settings.Audience,
                    IssuerSigningKey = TokenIssuer.KeyFrom(settings),
                    ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                    NameClaimType = CurrentUser.NameClaim,
                    ClockSkew = TimeSpan.FromSeconds(5),
                };
                jwt.Events = new JwtBearerEvents
                {
                    // Browsers cannot set headers on WebSockets, so the hub also takes ?access_token=.
                    OnMessageReceived = context =>
                    {
                        if (context.HttpContext.Request.Path.StartsWithSegments("/hubs")
                            && context.Request.Query["access_token"] is [{ Length: > 0 } token])
                        {
                            context.Token = token;
                        }
                        return Task.CompletedTask;
                    },
                    // Every request and hub connect: the claims we rely on parse (else 401, not a 500 later) and
                    // the token's session still stands.
                    OnTokenValidated = async context =>
                    {
                        if (CurrentUser.TryFrom(context.Principal) is not { } user)
                        {
                            context.Fail("The token lacks a numeric sub, a name or a session.");
                            return;
                        }
                        var sessions = context.HttpContext.RequestServices.GetRequiredService<Sessions>();
                        if (!await sessions.IsActiveAsync(user, context.HttpContext.RequestAborted)) context.Fail("The session has ended.");
                    },
                };
            });
        // Each route group states its own rule; a fallback policy would turn unknown routes into 401s.
        builder.Services.AddAuthorization();
        return builder;
    }

    private static void TryAddTimeProvider(this IServiceCollection services)
    {
        if (services.All(d => d.ServiceType != typeof(TimeProvider))) services.AddSingleton(TimeProvider.System);
    }

}
