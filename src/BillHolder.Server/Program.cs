using BillHolder.Server.Accounts;
using BillHolder.Server.Books;
using BillHolder.Server.Console;
using BillHolder.Server.Infrastructure;
using BillHolder.Server.Infrastructure.Database;
using BillHolder.Server.Infrastructure.Errors;
using BillHolder.Server.Infrastructure.Http;
using BillHolder.Server.Infrastructure.Logging;
using BillHolder.Server.Realtime;

var builder = WebApplication.CreateBuilder(args);

builder.AddLogging();
builder.AddErrorHandling();
builder.AddResponseHeaders();
builder.AddJsonBodies();
builder.AddDatabase();
builder.AddAccounts();
builder.AddBooks();
builder.AddRealtime();
builder.AddConsole();

var app = builder.Build();

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
app.MapConsole();

app.Run();

public partial class Program;
