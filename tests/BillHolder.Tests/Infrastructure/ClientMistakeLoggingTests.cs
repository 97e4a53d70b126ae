using System.Net;
using BillHolder.Tests.Realtime;
using Serilog.Events;
using static BillHolder.Tests.Infrastructure.TestClient;
using static BillHolder.Tests.Realtime.HubTestBooks;

namespace BillHolder.Tests.Infrastructure;

// A client mistake is not our error: one line at Information, no stack trace, so nobody can flood the error log.
public sealed class ClientMistakeLoggingTests(BillHolderServer server) : IClassFixture<BillHolderServer>
{
    [Fact]
    public async Task MalformedBodies_AreLoggedOnceAtInformation_WithoutAStackTrace()
    {
        await (await server.Anonymous().PostRawAsync("/api/auth/login", "{\"username\":")).ProblemAsync(HttpStatusCode.BadRequest, "malformed_request");
        await (await server.Anonymous().PostRawAsync("/api/auth/register", "[1,2")).ProblemAsync(HttpStatusCode.BadRequest, "malformed_request");

        var entries = server.Logs.Entries;
        foreach (var path in new[] { "/api/auth/login", "/api/auth/register" })
        {
            var line = Assert.Single(entries, e => e.Text.Contains("malformed_request") && e.Text.Contains(path));
            Assert.Equal(LogEventLevel.Information, line.Level);
        }
        AssertQuiet(entries);
    }

    [Fact]
    public async Task ExpectedHubErrors_AreLoggedOnceAtInformation_WithoutAStackTrace()
    {
        var owner = await server.NewUserAsync("owner");
        var viewer = await server.NewUserAsync("viewer");
        var book = await owner.CreateSharedBookAsync();
        await owner.SetRoleAsync(book.Id, viewer.Username, "viewer");
        await using var hub = await server.ConnectAsync(viewer);

        await HubErrorAsync("book_not_found", () => hub.OpenBookAsync(long.MaxValue));
        await HubErrorAsync("forbidden", () => hub.SyncAsync(book.Id, NewBill("viewer-1", book.WalletId, 1)));
        await HubErrorAsync("validation_failed", () => hub.SyncAsync(book.Id, new { syncId = "" }));

        var entries = server.Logs.Entries;
        foreach (var code in new[] { "book_not_found", "forbidden", "validation_failed" })
        {
            var line = Assert.Single(entries, e => e.Text.Contains(code));
            Assert.Equal(LogEventLevel.Information, line.Level);
        }
        AssertQuiet(entries);
    }

    private static void AssertQuiet(IReadOnlyList<LogEntry> entries)
    {
        // Readiness probes while the fixture's schema was being applied answered 503 (a Warning): not a client mistake.
        Assert.DoesNotContain(entries, e => e.Level >= LogEventLevel.Warning && !e.Text.StartsWith("HTTP GET /health/ready responded 503"));
        Assert.DoesNotContain(entries, e => e.Line.Contains("   at "));
    }
}
