using System.Net;
using System.Net.Http.Headers;
using System.Text;
using BillHolder.Tests.Infrastructure;

namespace BillHolder.Tests.Books;

public sealed class SmallImportsServer : IAsyncLifetime
{
    public BillHolderServer Server { get; } = new();

    public Task InitializeAsync()
    {
        Server.Settings["Sync:MaxRecordsPerBook"] = "3";
        Server.Settings["Sync:MaxRecordsPerSync"] = "2";
        Server.Settings["Sync:RateLimitBurst"] = "5";
        Server.Settings["Sync:RateLimitPerSecond"] = "1";
        Server.Settings["Import:MaxBodyBytes"] = "4096";
        Server.Settings["Import:MaxCsvBodyBytes"] = "2048";
        return Server.InitializeAsync();
    }

    public Task DisposeAsync() => Server.DisposeAsync();
}

// The imports' own limits: body bytes, records per book (JSON) or per sync (CSV), and the write rate limit.
public sealed class ImportLimitsTests(SmallImportsServer small) : IClassFixture<SmallImportsServer>
{
    private BillHolderServer Server => small.Server;

    private static string File(int wallets, string padding = "") =>
        $$"""{"format":"billholder-book","formatVersion":1,"book":{"name":"Big","remark":"{{padding}}"},"wallets":[{{string.Join(',', Enumerable.Range(1, wallets).Select(i => $$"""{"id":{{i}},"name":"W{{i}}"}"""))}}]}""";

    [Fact]
    public async Task JsonImport_OfMoreRecordsThanABookHolds_OrABodyPastItsLimit_IsRefused_AndCreatesNothing()
    {
        var user = await Server.NewUserAsync();
        Assert.Equal(HttpStatusCode.Created, (await PostAsync(user, File(3))).StatusCode);

        var tooMany = await (await PostAsync(user, File(4))).ProblemAsync(HttpStatusCode.UnprocessableEntity, "validation_failed");
        Assert.Equal(["wallets"], tooMany.ErrorKeys());
        await (await PostAsync(user, File(1, new string('x', 5000)))).ProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
        Assert.Equal(1, (await (await user.Http.GetAsync("/api/books")).ReadJsonAsync(HttpStatusCode.OK)).GetArrayLength());
    }

    [Fact]
    public async Task CsvImport_OfMoreRowsThanOneSyncCarries_OrABodyPastItsLimit_IsRefused()
    {
        var user = await Server.NewUserAsync();
        var shared = await user.CreateSharedBookAsync();
        var row = $"bill,,{shared.WalletId},,,1,2026-01-01,,,,,,,,,,,\r\n";

        var rows = await (await BookCsvTests.ImportAsync(user, shared.Id, BookCsvTests.Header + "\r\n" + row + row + row, "three"))
            .ProblemAsync(HttpStatusCode.UnprocessableEntity, "validation_failed");
        Assert.Equal(["rows"], rows.ErrorKeys());
        var remark = new string('r', 2100);
        await (await BookCsvTests.ImportAsync(user, shared.Id, BookCsvTests.Header + "\r\n" + row.Replace("2026-01-01,,", $"2026-01-01,,{remark}"), "big"))
            .ProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
        Assert.Equal(1, (await user.BookAsync(shared.Id)).GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task Imports_AreRateLimitedLikeOtherWrites()
    {
        var user = await Server.NewUserAsync();
        HttpResponseMessage last;
        var attempts = 0;
        do
        {
            last = await PostAsync(user, File(1));
            attempts++;
        }
        while (last.StatusCode == HttpStatusCode.Created && attempts < 50);

        await last.ProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.True(last.Headers.RetryAfter is not null);
    }

    private static Task<HttpResponseMessage> PostAsync(UserClient user, string json)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(json));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return user.Http.PostAsync("/api/books/import", content);
    }
}
