using System.Net;
using System.Text;
using System.Text.Json;
using BillHolder.Tests.Infrastructure;
using CsvHelper;
using static BillHolder.Tests.Infrastructure.TestClient;

namespace BillHolder.Tests.Books;

// CSV export and CSV import (rows added as one sync) against the real server and database.
public sealed class BookCsvTests(BillHolderServer server) : IClassFixture<BillHolderServer>
{
    public const string Header =
        "collection,id,walletId,fromWalletId,toWalletId,amount,date,category,remark,name,color,openingBalance,balance,version,createdBy,createdAt,lastEditedBy,lastEditedAt";

    private static readonly string[] Tricky = ["=1+1", "+x", "-x", "@x", "\tx", "'x", "''x", "plain", "comma, \"quoted\"", "two\r\nlines"];

    [Fact]
    public async Task CsvExport_HasTheHeader_OneRowPerRecord_IsoDates_AndDefusedFormulas()
    {
        var user = await server.NewUserAsync();
        var bookId = await user.CreateBookAsync("Csv");
        await user.SyncOkAsync(bookId, new
        {
            syncId = "records",
            wallets = new object[] { new { id = -1, status = 3, name = "@home", openingBalance = -500 } },
            bills = new object[] { new { id = -1, status = 3, walletId = -1, amount = 1250, date = 1, category = "-minus", remark = "=HYPERLINK(\"x\"), now" } },
        });

        var response = await user.Http.GetAsync($"/api/books/{bookId}/export?format=csv");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"billholder-book-{bookId}-v2.csv", response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        var text = await response.Content.ReadAsStringAsync();
        var lines = text.Split("\r\n");

        Assert.Equal(Header, lines[0]);
        var stamp = $"2,{user.Username},";
        Assert.StartsWith("wallet,1,,,,,,,,'@home,,-500,-1750,2," + user.Username + ",", lines[1]);
        Assert.StartsWith("bill,1,1,,,1250,1970-01-01T00:00:00.001Z,'-minus,\"'=HYPERLINK(\"\"x\"\"), now\",,,,,2," + user.Username + ",", lines[2]);
        Assert.Matches(@",\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", lines[2]);
        Assert.Contains(stamp, lines[2]);
        Assert.Equal([""], lines[3..]);
    }

    [Fact]
    public async Task CsvImport_AddsTheRowsAsOneSync_AndARetryWithTheSameKeyAnswersTheSame()
    {
        var user = await server.NewUserAsync();
        var shared = await user.CreateSharedBookAsync(); // wallet "Cash", opening 1000, at version 1
        var second = await user.SyncOkAsync(shared.Id, new { syncId = "w2", wallets = new[] { Wallet(-1, 3, "Bank") } });
        var bank = second.GetProperty("idMap").GetProperty("wallets").GetProperty("-1").GetInt64();
        var csv = $""""
            {Header}
            bill,,{shared.WalletId},,,1250,2026-11-30T12:00:00.000Z,food,'=SUM(A1),,,,,,,,,
            income,,{bank},,,5000,2026-12-01,salary,''quoted,,,,,,,,,
            transfer,,,{shared.WalletId},{bank},300,1700000000000,,"comma, and ""quotes""",,,,,,,,,

            """";

        var first = await ImportAsync(user, shared.Id, csv, "csv-1");
        var answer = await first.ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal((3L, true, false), (answer.GetProperty("version").GetInt64(), answer.GetProperty("applied").GetBoolean(), answer.GetProperty("replayed").GetBoolean()));
        Assert.Equal(1, answer.GetProperty("idMap").GetProperty("bills").GetProperty("-1").GetInt64());

        var book = await user.BookAsync(shared.Id);
        var bill = book.GetProperty("bills")[0];
        Assert.Equal(("=SUM(A1)", "food", 1250L), (bill.GetProperty("remark").GetString(), bill.GetProperty("category").GetString(), bill.GetProperty("amount").GetInt64()));
        Assert.Equal(DateTimeOffset.Parse("2026-11-30T12:00:00Z").ToUnixTimeMilliseconds(), bill.GetProperty("date").GetInt64());
        var income = book.GetProperty("incomes")[0];
        Assert.Equal(("'quoted", DateTimeOffset.Parse("2026-12-01T00:00:00Z").ToUnixTimeMilliseconds()),
            (income.GetProperty("remark").GetString(), income.GetProperty("date").GetInt64()));
        Assert.Equal("comma, and \"quotes\"", book.GetProperty("transfers")[0].GetProperty("remark").GetString());
        Assert.Equal(user.Username, bill.GetProperty("createdBy").GetString());
        var balances = await user.BalancesAsync(shared.Id);
        Assert.Equal((OpeningBalance - 1250 - 300, 5000L + 300), (balances[shared.WalletId], balances[bank]));

        // A lost answer: the same key and rows answer the same, and nothing is applied twice.
        var retry = await ImportAsync(user, shared.Id, csv, "csv-1");
        var replayed = await retry.ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal("true", retry.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal((3L, true), (replayed.GetProperty("version").GetInt64(), replayed.GetProperty("replayed").GetBoolean()));
        Assert.Equal(3, (await user.BookAsync(shared.Id)).GetProperty("version").GetInt64());
        await (await ImportAsync(user, shared.Id, csv.Replace("1250", "1251"), "csv-1")).ProblemAsync(HttpStatusCode.Conflict, "sync_id_reused");
        await user.AssertConsistentAsync(shared.Id);
    }

    [Fact]
    public async Task CsvExportThenImport_ReadsTextCellsThatLookLikeFormulasBackIntact()
    {
        var user = await server.NewUserAsync();
        var shared = await user.CreateSharedBookAsync();
        await user.SyncOkAsync(shared.Id, new
        {
            syncId = "tricky",
            bills = Tricky.Select((text, i) => (object)new { id = -(i + 1), status = 3, walletId = shared.WalletId, amount = i, date = 1, category = text[..Math.Min(text.Length, 32)], remark = text }).ToArray(),
        });
        var exported = await user.Http.GetStringAsync($"/api/books/{shared.Id}/export?format=csv");

        // The bill rows of the export, ids emptied, as an import.
        var rows = new StringBuilder(Header + "\r\n");
        await using (var reader = CsvReader.FromText(exported, null))
        {
            await using var writer = CsvWriter.Create(new StringWriter(rows), null, leaveOpen: false);
            while (await reader.ReadAsync())
            {
                if (reader.GetString(0) != "bill") continue;
                for (var i = 0; i < reader.FieldCount; i++) writer.WriteField(i == 1 ? "" : reader.GetString(i));
                writer.EndRecord();
            }
        }
        var answer = await (await ImportAsync(user, shared.Id, rows.ToString(), "round-trip")).ReadJsonAsync(HttpStatusCode.OK);

        var book = await user.BookAsync(shared.Id);
        var copies = book.GetProperty("bills").EnumerateArray().Where(b => b.GetProperty("version").GetInt64() == answer.GetProperty("version").GetInt64()).ToList();
        Assert.Equal(Tricky, copies.Select(b => b.GetProperty("remark").GetString()));
        Assert.Equal(Tricky, copies.Select(b => b.GetProperty("category").GetString()));
    }

    [Fact]
    public async Task CsvImport_ReportsEveryErrorByDataRecordAndField_AndAppliesNothing()
    {
        var user = await server.NewUserAsync();
        var shared = await user.CreateSharedBookAsync();
        var w = shared.WalletId;
        // Row 0 spans two physical lines: N counts data records, not lines.
        var csv = $"""
            {Header}
            bill,,{w},,,100,2026-01-01,,"first line
            second line",,,,,,,,,
            bill,5,{w},,,100,2026-01-01,,,,,,,,,,,
            bill,,{w},,,12.50,2026-01-01,,,,,,,,,,,
            wallet,,,,,,,,,Cash,,0,0,,,,,
            transfer,,,{w},{w},5,2026-01-01,,,,,,,,,,,
            income,,{w},,,5,yesterday,,,,,,,,,,,
            bill,,,,,5,2026-01-01,,,,,,,,,,,
            bill,,{w},{w},,5,2026-01-01,,,,,,,,,,,
            bill,,{w},,,5
            """;

        var problem = await (await ImportAsync(user, shared.Id, csv, "bad")).ProblemAsync(HttpStatusCode.UnprocessableEntity, "validation_failed");

        Assert.Equal(["rows[1].id", "rows[2].amount", "rows[3].collection", "rows[4].toWalletId", "rows[5].date", "rows[6].walletId", "rows[7].fromWalletId", "rows[8]"],
            problem.ErrorKeys());
        var book = await user.BookAsync(shared.Id);
        Assert.Equal((1L, 0), (book.GetProperty("version").GetInt64(), book.GetProperty("bills").GetArrayLength()));

        // References are judged as in any sync (409 unknown_wallet), and keyed by row too.
        var unknown = await (await ImportAsync(user, shared.Id, $"{Header}\r\nbill,,{w},,,1,2026-01-01,,,,,,,,,,,\r\nincome,,99,,,1,2026-01-01,,,,,,,,,,,\r\n", "unknown"))
            .ProblemAsync(HttpStatusCode.Conflict, "unknown_wallet");
        Assert.Equal(["rows[1].walletId"], unknown.ErrorKeys());
        Assert.Equal(1, (await user.BookAsync(shared.Id)).GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task CsvImport_IsRefusedToViewersAndStrangers_AndNeedsCsvAKeyAndTheHeader()
    {
        var owner = await server.NewUserAsync("owner");
        var viewer = await server.NewUserAsync("viewer");
        var stranger = await server.NewUserAsync("stranger");
        var shared = await owner.CreateSharedBookAsync();
        await owner.SetRoleAsync(shared.Id, viewer.Username, "viewer");
        var csv = $"{Header}\r\nbill,,{shared.WalletId},,,1,2026-01-01,,,,,,,,,,,\r\n";

        await (await ImportAsync(viewer, shared.Id, csv, "v")).ProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await ImportAsync(stranger, shared.Id, csv, "s")).ProblemAsync(HttpStatusCode.NotFound, "book_not_found");
        Assert.Equal(["Idempotency-Key"], (await (await ImportAsync(owner, shared.Id, csv, null)).ProblemAsync(HttpStatusCode.UnprocessableEntity, "validation_failed")).ErrorKeys());
        Assert.Equal(["header"], (await (await ImportAsync(owner, shared.Id, csv.Replace("remark", "note"), "h")).ProblemAsync(HttpStatusCode.UnprocessableEntity, "validation_failed")).ErrorKeys());
        Assert.Equal(["format"], (await (await ImportAsync(owner, shared.Id, csv, "f", "json")).ProblemAsync(HttpStatusCode.UnprocessableEntity, "validation_failed")).ErrorKeys());
        var asJson = new HttpRequestMessage(HttpMethod.Post, $"/api/books/{shared.Id}/import?format=csv")
        {
            Content = new StringContent(csv, Encoding.UTF8, "application/json"),
        };
        asJson.Headers.Add("Idempotency-Key", "j");
        await (await owner.Http.SendAsync(asJson)).ProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        await (await ImportAsync(owner, shared.Id, $"{Header}\r\nbill,,1,,,1,2026-01-01,\"unclosed,,,,,,,,,,\r\n", "q")).ProblemAsync(HttpStatusCode.BadRequest, "malformed_request");
        Assert.Equal(1, (await owner.BookAsync(shared.Id)).GetProperty("version").GetInt64());
    }

    internal static Task<HttpResponseMessage> ImportAsync(UserClient user, long bookId, string csv, string? key, string format = "csv")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/books/{bookId}/import?format={format}")
        {
            Content = new StringContent(csv, Encoding.UTF8, "text/csv"),
        };
        if (key is not null) request.Headers.Add("Idempotency-Key", key);
        return user.Http.SendAsync(request);
    }
}
