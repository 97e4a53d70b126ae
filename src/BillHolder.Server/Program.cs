using BillHolder.Server.Accounts;
using BillHolder.Server.Books;
using BillHolder.Server.Console;
using BillHolder.Server.Infrastructure;
using BillHolder.Server.Infrastructure.Database;
using BillHolder.Server.Infrastructure.Errors;
using BillHolder.Server.Infrastructure.Http;
using BillHolder.Server.Infrastructure.Logging;
using BillHolder.Server.Infrastructure.Redis;
using BillHolder.Server.Infrastructure.Metrics;
using BillHolder.Server.Infrastructure.OpenApi;
using BillHolder.Server.Realtime;

var builder = WebApplication.CreateBuilder(args);

builder.AddLogging();
builder.AddInstanceIdentity();
builder.AddErrorHandling();
builder.AddResponseHeaders();
builder.AddForwardedHeaders();
builder.AddJsonBodies();
builder.AddDatabase();
builder.AddRedis();
builder.AddAccounts();
builder.AddBooks();
builder.AddRealtime();
builder.AddApiDocs();
builder.AddMetrics();
builder.AddConsole();

var app = builder.Build();

// First: everything after it (logs, throttles, rate limits) sees the client, not the proxy.
app.UseForwardedHeadersFromKnownProxies();
app.UseRequestLogging();
app.UseResponseHeaders();
app.UseErrorHandling();
app.UseWebSockets();
app.UseRouting();
app.UseDatabaseBreaker();
app.UseBodySizeLimits();
app.UseAuthentication();
app.UseAuthorization();
app.UseRateLimiter();

app.MapHealth();
app.MapAccounts();
app.MapBooks();
app.MapRealtime();
app.MapApiDocs();
app.MapMetrics();
app.MapConsole();

app.Run();

public partial class Program;
