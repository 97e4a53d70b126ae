using System.Text.Json.Nodes;
using BillHolder.Server.Infrastructure.Errors;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace BillHolder.Server.Infrastructure.OpenApi;

internal sealed class DocsOptions
{
    public const string SectionName = "Docs";

    // Off: neither /openapi/v1.json nor /docs is mapped (both answer 404).
    public bool Enabled { get; set; } = true;
}

// The OpenAPI document at /openapi/v1.json and the Scalar API reference at /docs. Schemas come from the handlers'
// TypedResults and Accepts metadata; the transformers add what the framework cannot know: the bearer scheme, the
// problem answers of each route with their codes (ProblemCodes metadata plus what the route's auth, rate limit and
// body imply) and the health endpoints, which are not route handlers. The hub's contract stays in the README.
internal static class ApiDocs
{
    public const string DocumentPath = "/openapi/v1.json";
    public const string UiPath = "/docs";
    public const string BearerScheme = "Bearer";
    public const string ProblemSchema = "Problem";

    // Scalar's page starts from one inline script carrying a fresh nonce (Scalar puts it in HttpContext.Items); its
    // bundle is served by the server itself and sets styles inline. Nothing may come from elsewhere.
    public static string? ContentSecurityPolicy(HttpContext http) =>
        http.Request.Path.StartsWithSegments(UiPath)
            ? "default-src 'none'; script-src 'self'" + (http.Items[ScalarOptions.NonceHttpContextItemKey] is string nonce ? $" 'nonce-{nonce}'" : "")
              + "; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; "
              + "form-action 'none'; frame-ancestors 'none'"
            : null;

    public static IHostApplicationBuilder AddApiDocs(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DocsOptions>().BindConfiguration(DocsOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOpenApi("v1", openApi =>
        {
            openApi.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "BillHolder",
                    Version = "v1",
                    Description = "REST API of the BillHolder sync server. Every error is application/problem+json with a stable `code`; " +
                        "the real-time hub (/hubs/books) is described in the README.",
                };
                Components(document).SecuritySchemes![BearerScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    BearerFormat = "JWT",
                    Description = "The accessToken of POST /api/auth/login or /api/auth/refresh.",
                };
                HealthApi.Describe(document);
                return Task.CompletedTask;
            });
            // The serializer's web defaults read numbers from strings too, so every integer would be documented as
            // "integer or string"; answers always write numbers, and hand-parsed bodies accept numbers only.
            openApi.AddSchemaTransformer((schema, _, _) =>
            {
                if (schema.Type is { } type && (type.HasFlag(JsonSchemaType.Integer) || type.HasFlag(JsonSchemaType.Number)) && type.HasFlag(JsonSchemaType.String))
                {
                    schema.Type = type & ~JsonSchemaType.String;
                    schema.Pattern = null;
                }
                return Task.CompletedTask;
            });
            openApi.AddOperationTransformer(async (operation, context, cancellationToken) =>
            {
                await DescribeBodyAsync(operation, context, cancellationToken);
                Describe(operation, context);
            });
        });
        return builder;
    }

    public static IEndpointRouteBuilder MapApiDocs(this IEndpointRouteBuilder app)
    {
        if (!app.ServiceProvider.GetRequiredService<IOptions<DocsOptions>>().Value.Enabled) return app;
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        app.MapScalarApiReference(UiPath, scalar =>
        {
            scalar.Title = "BillHolder API";
            scalar.OpenApiRoutePattern = "/openapi/{documentName}.json";
            // Only what the package bundles: no web fonts, no telemetry, no proxy, no AI agent or MCP, all of which
            // would call hosts this server's users may not reach (and a strict CSP would refuse anyway).
            scalar.DefaultFonts = false;
            scalar.Telemetry = false;
            scalar.ProxyUrl = null;
            scalar.HideClientButton = true;
            scalar.ShowDeveloperTools = DeveloperToolsVisibility.Never;
            scalar.DisableAgent();
            scalar.DisableMcp();
            scalar.WithNonce();
            scalar.AddPreferredSecuritySchemes(BearerScheme);
        }).AllowAnonymous();
        return app;
    }

    private static OpenApiComponents Components(OpenApiDocument document)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.Schemas.TryAdd(ProblemSchema, Problem());
        return document.Components;
    }

    // Handlers that parse their body by hand take a JsonElement; the Accepts metadata on their route names the shape.
    private static async Task DescribeBodyAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var accepts = context.Description.ActionDescriptor.EndpointMetadata.OfType<IAcceptsMetadata>().LastOrDefault(a => a.RequestType is not null);
        if (accepts is null) return;
        var name = accepts.RequestType!.Name;
        var document = context.Document!;
        Components(document).Schemas!.TryAdd(name, await context.GetOrCreateSchemaAsync(accepts.RequestType, null, cancellationToken));
        var schema = new OpenApiSchemaReference(name, document);
        operation.RequestBody = new OpenApiRequestBody
        {
            Required = true,
            Content = accepts.ContentTypes.ToDictionary(type => type, _ => new OpenApiMediaType { Schema = schema }),
        };
    }

    private static void Describe(OpenApiOperation operation, OpenApiOperationTransformerContext context)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var document = context.Document!;
        Components(document);
        var authorized = metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any();
        if (authorized)
        {
            operation.Security ??= [];
            operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, document)] = [] });
        }

        var problems = new SortedDictionary<int, SortedSet<string>>();
        void Add(int status, params string[] codes)
        {
            if (!problems.TryGetValue(status, out var set)) problems[status] = set = new SortedSet<string>(StringComparer.Ordinal);
            set.UnionWith(codes);
        }
        foreach (var declared in metadata.OfType<ProblemCodes>()) Add(declared.Status, [.. declared.Codes]);
        var hasBody = context.Description.ParameterDescriptions.Any(p => p.Source.Id == "Body")
            || metadata.OfType<IAcceptsMetadata>().Any(a => a.RequestType is not null);
        if (hasBody)
        {
            Add(StatusCodes.Status400BadRequest, ErrorCodes.MalformedRequest);
            Add(StatusCodes.Status413PayloadTooLarge, ErrorCodes.PayloadTooLarge);
            Add(StatusCodes.Status415UnsupportedMediaType, ErrorCodes.UnsupportedMediaType);
        }
        if (authorized) Add(StatusCodes.Status401Unauthorized, ErrorCodes.Unauthorized);
        if (metadata.OfType<EnableRateLimitingAttribute>().Any()) Add(StatusCodes.Status429TooManyRequests, ErrorCodes.RateLimited);
        // Every request may meet a database that does not answer (the breaker refuses at once).
        Add(StatusCodes.Status503ServiceUnavailable, ErrorCodes.DatabaseUnavailable);

        operation.Responses ??= new OpenApiResponses();
        foreach (var (status, codes) in problems)
        {
            var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var code = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [.. codes.Select(c => (JsonNode)JsonValue.Create(c))] };
            operation.Responses[key] = new OpenApiResponse
            {
                Description = "Problem: " + string.Join(", ", codes.Select(c => $"`{c}`")),
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/problem+json"] = new()
                    {
                        Schema = new OpenApiSchema
                        {
                            AllOf = [new OpenApiSchemaReference(ProblemSchema, document), new OpenApiSchema { Properties = new Dictionary<string, IOpenApiSchema> { ["code"] = code } }],
                        },
                    },
                },
            };
        }
    }

    // RFC 7807 plus our members. Which of the optional ones appear depends on the code (see the README).
    private static OpenApiSchema Problem() => new()
    {
        Type = JsonSchemaType.Object,
        Required = new HashSet<string> { "status", "code" },
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["type"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["title"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32" },
            ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["code"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "Stable machine-readable error code: switch on this." },
            ["traceId"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["errors"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Description = "validation_failed: messages keyed by JSON path (bills[2].amount) or query parameter (since).",
                AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
            },
            ["version"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Integer, Format = "int64",
                Description = "The book's current version (sync refusals).",
            },
            ["references"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Array,
                Description = "wallet_in_use: the records still pointing at the wallet.",
                Items = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Properties = new Dictionary<string, IOpenApiSchema>
                    {
                        ["collection"] = new OpenApiSchema { Type = JsonSchemaType.String },
                        ["id"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int64" },
                    },
                },
            },
        },
    };
}
