using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using BillHolder.Tests.Infrastructure;
using Dapper;
using static BillHolder.Tests.Infrastructure.TestClient;

namespace BillHolder.Tests.Books;

// A book's JSON export, and its import as a new book, against the real server and database.
public sealed class ExportImportTests(BillHolderServer server) : IClassFixture<BillHolderServer>
{
    // Wallets 2 "Bank" and 3 "Card" (wallet 1 deleted, so ids have a gap), bills by the owner and by an editor, a
    // transfer and an income; a remark that a spreadsheet would run.
    private async Task<(UserClient Owner, UserClient Editor, long BookId)> SharedBookAsync()
    {
        var owner = await server.NewUserAsync("owner");
        var editor = await server.NewUserAsync("editor");
        var bookId = await owner.CreateBookAsync("Household");
        await owner.SetRoleAsync(bookId, editor.Username, "editor");
        await owner.SyncOkAsync(bookId, new
        {
            syncId = "wallets",
            wallets = new[] { Wallet(-1, 3, "Old"), Wallet(-2, 3, "Bank", 5000), Wallet(-3, 3, "Card", -200) },
        });
        await owner.SyncOkAsync(bookId, new { syncId = "drop-old", wallets = new[] { new { id = 1, status = 2 } } });
        await owner.SyncOkAsync(bookId, new
        {
            syncId = "owner-records",
            bills = new object[] { new { id = -1, status = 3, walletId = 2, amount = 1250, date = 1_700_000_000_000, category = "food", remark = "=SUM(A1:A9)" } },
            transfers = new object[] { Transfer(-1, 3, 2, 3, 700) },
            incomes = new object[] { new { id = -1, status = 3, walletId = 2, amount = 90_000, date = 1_700_000_100_000, category = "salary" } },
        });
        await editor.SyncOkAsync(bookId, new
        {
            syncId = "editor-bill",
            bills = new object[] { new { id = -1, status = 3, walletId = 3, amount = 333, date = 1_700_000_200_000, remark = "cinema, 2 seats" } },
        });
        return (owner, editor, bookId);
    }

    [Fact]
    public async Task ExportThenImport_MakesANewBookWithTheSameRecordsAndBalances_KeepingAttribution()
    {
        var (owner, editor, bookId) = await SharedBookAsync();
        var exported = await owner.Http.GetAsync($"/api/books/{bookId}/export");
        Assert.Equal(HttpStatusCode.OK, exported.StatusCode);
        Assert.Equal("application/json", exported.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", exported.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal($"billholder-book-{bookId}-v5.json", exported.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        var bytes = await exported.Content.ReadAsByteArrayAsync();
        var file = JsonDocument.Parse(bytes).RootElement;

        Assert.Equal("billholder-book", file.GetProperty("format").GetString());
        Assert.Equal(1, file.GetProperty("formatVersion").GetInt32());
        Assert.True(file.GetProperty("exportedAt").GetInt64() > 1_700_000_000_000);
        var book = file.GetProperty("book");
        Assert.Equal((bookId, "Household", 5L, owner.Username), (book.GetProperty("id").GetInt64(), book.GetProperty("name").GetString(),
            book.GetProperty("version").GetInt64(), book.GetProperty("createdBy").GetString()));
        Assert.Equal([2L, 3L], file.GetProperty("wallets").EnumerateArray().Select(w => w.GetProperty("id").GetInt64()));
        var editorBill = file.GetProperty("bills")[1];
        foreach (var field in new[] { "id", "walletId", "amount", "date", "category", "remark", "version", "createdBy", "createdAt", "lastEditedBy", "lastEditedAt" })
        {
            Assert.True(editorBill.TryGetProperty(field, out _), field);
        }
        Assert.Equal(editor.Username, editorBill.GetProperty("createdBy").GetString());
        Assert.Equal(new[] { editor.Username, owner.Username }.Order(), file.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("username").GetString()).Order());
        Assert.Equal([1L, 2L, 3L, 4L, 5L], file.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("version").GetInt64()));

        // Someone else imports the file: a new book of theirs, same records and balances, new ids.
        var importer = await server.NewUserAsync("importer");
        var imported = await (await importer.Http.PostAsync("/api/books/import", Json(bytes))).ReadJsonAsync(HttpStatusCode.Created);
        var newId = imported.GetProperty("id").GetInt64();
        Assert.NotEqual(bookId, newId);
        Assert.Equal(1, imported.GetProperty("version").GetInt64());
        Assert.Equal("""{"wallets":2,"bills":2,"transfers":1,"incomes":1}""", imported.GetProperty("records").GetRawText());

        var original = await owner.BookAsync(bookId);
        var copy = await importer.BookAsync(newId);
        Assert.Equal(Balances(original), Balances(copy));
        Assert.Equal([1L, 2L], copy.GetProperty("wallets").EnumerateArray().Select(w => w.GetProperty("id").GetInt64()));
        // Wallet references follow their wallets to the new ids: the editor's bill was paid from "Card" (3, now 2).
        var copiedBill = copy.GetProperty("bills")[1];
        Assert.Equal(2, copiedBill.GetProperty("walletId").GetInt64());
        Assert.Equal((editor.Username, editor.Username), (copiedBill.GetProperty("createdBy").GetString(), copiedBill.GetProperty("lastEditedBy").GetString()));
        Assert.Equal(editorBill.GetProperty("createdAt").GetInt64(), copiedBill.GetProperty("createdAt").GetInt64());
        Assert.Equal("=SUM(A1:A9)", copy.GetProperty("bills")[0].GetProperty("remark").GetString());
        Assert.Equal(importer.Username, copy.GetProperty("createdBy").GetString());
        await importer.AssertConsistentAsync(newId);
        await (await owner.Http.GetAsync($"/api/books/{newId}")).ProblemAsync(HttpStatusCode.NotFound, "book_not_found");

        // One history entry: the importer, "import", every record new.
        var history = await (await importer.Http.GetAsync($"/api/books/{newId}/history")).ReadJsonAsync(HttpStatusCode.OK);
        var entry = Assert.Single(history.EnumerateArray());
        Assert.Equal((1L, "import", importer.Username), (entry.GetProperty("version").GetInt64(), entry.GetProperty("syncId").GetString(),
            entry.GetProperty("username").GetString()));
        Assert.Equal(2, entry.GetProperty("summary").GetProperty("bills").GetProperty("new").GetInt32());

        // Stored as a checkpoint: the book row holds version 1, the one log row holds no records.
        await using (var connection = await server.Database.Connections().OpenAsync(CancellationToken.None))
        {
            var row = await connection.QuerySingleAsync<(long CheckpointVersion, long Version)>(
                "SELECT checkpointVersion, version FROM book WHERE id = @Id", new { Id = newId });
            Assert.Equal((1L, 1L), row);
            var changes = Assert.Single(await connection.QueryAsync<string>("SELECT changes FROM book_change WHERE book_id = @Id", new { Id = newId }));
            Assert.Equal(0, JsonDocument.Parse(changes).RootElement.GetProperty("bills").GetArrayLength());
        }

        // The imported book syncs like any other, and a pull from 0 sees every record.
        var synced = await importer.SyncOkAsync(newId, new { syncId = "after-import", baseVersion = 1, bills = new[] { new { id = 1, status = 1, walletId = 1, amount = 1300, date = 1, version = 1 } } });
        Assert.Equal(2, synced.GetProperty("version").GetInt64());
        var pulled = await (await importer.Http.GetAsync($"/api/books/{newId}/changes?since=0")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(2, pulled.GetProperty("bills").GetArrayLength());
        await importer.AssertConsistentAsync(newId);
    }

    [Fact]
    public async Task Export_ByANonMember_Is404_AndAnUnknownFormatIs422KeyedFormat()
    {
        var (owner, _, bookId) = await SharedBookAsync();
        var stranger = await server.NewUserAsync("stranger");
        await (await stranger.Http.GetAsync($"/api/books/{bookId}/export")).ProblemAsync(HttpStatusCode.NotFound, "book_not_found");
        await (await stranger.Http.GetAsync($"/api/books/{bookId}/export?format=csv")).ProblemAsync(HttpStatusCode.NotFound, "book_not_found");
        var problem = await (await owner.Http.GetAsync($"/api/books/{bookId}/export?format=xml")).ProblemAsync(HttpStatusCode.UnprocessableEntity, "validation_failed");
        Assert.Equal(["format"], problem.ErrorKeys());
    }

    [Fact]
    public async Task Import_OfAnUnknownFormatVersion_Is422KeyedFormatVersion_AndCreatesNothing()
    {
        var user = await server.NewUserAsync();
        // What follows the version is not read: a later format may have another shape.
        var file = """{"format":"billholder-book","formatVersion":2,"book":{"name":"Future"},"wallets":{"shape":"of version 2"}}""";

        var problem = await (await user.Http.PostAsync("/api/books/import", Json(file))).ProblemAsync(HttpStatusCode.UnprocessableEntity, "validation_failed");

        Assert.Equal(["formatVersion"], problem.ErrorKeys());
        Assert.Equal(0, (await BooksOfAsync(user)).GetArrayLength());
    }

    [Fact]
    public async Task Import_OfAnInvalidFile_ListsEveryErrorByPath_AndCreatesNothing()
    {
        var user = await server.NewUserAsync();
        var file = """
            {"format":"billholder-book","formatVersion":1,"book":{"name":""},
             "wallets":[{"id":1,"name":"Cash"},{"id":1,"name":"Again"},{"id":2}],
             "bills":[{"id":1,"walletId":1,"amount":-5,"date":1},{"id":2,"walletId":1,"amount":5,"date":1,"amount":6}],
             "transfers":[{"id":1,"fromWalletId":1,"toWalletId":1,"amount":1,"date":1}],
             "incomes":[{"id":1,"walletId":1,"amount":1,"date":1,"createdBy":""}]}
            """;

        var problem = await (await user.Http.PostAsync("/api/books/import", Json(file))).ProblemAsync(HttpStatusCode.UnprocessableEntity, "validation_failed");

        Assert.Equal(["bills[0].amount", "bills[1].amount", "book.name", "incomes[0].createdBy", "transfers[0].toWalletId", "wallets[1].id", "wallets[2].name"],
            problem.ErrorKeys());
        Assert.Equal(0, (await BooksOfAsync(user)).GetArrayLength());
    }

    [Fact]
    public async Task Import_WithAReferenceToAWalletTheFileDoesNotHold_Is422AtThatPath()
    {
        var user = await server.NewUserAsync();
        var file = """
            {"format":"billholder-book","formatVersion":1,"book":{"name":"Refs"},"wallets":[{"id":4,"name":"Cash"}],
             "bills":[{"id":1,"walletId":4,"amount":5,"date":1},{"id":2,"walletId":9,"amount":5,"date":1}]}
            """;

        var problem = await (await user.Http.PostAsync("/api/books/import", Json(file))).ProblemAsync(HttpStatusCode.UnprocessableEntity, "validation_failed");

        Assert.Equal(["bills[1].walletId"], problem.ErrorKeys());
        Assert.Equal(0, (await BooksOfAsync(user)).GetArrayLength());
    }

    [Fact]
    public async Task Import_NeedsJson_AndASignedInUser()
    {
        var user = await server.NewUserAsync();
        var notJson = new StringContent("format,formatVersion", Encoding.UTF8, "text/csv");
        await (await user.Http.PostAsync("/api/books/import", notJson)).ProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        await (await user.Http.PostAsync("/api/books/import", Json("""{"format":"billholder-book","formatVersion":1,"book":"""))).ProblemAsync(HttpStatusCode.BadRequest, "malformed_request");
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.Anonymous().PostAsync("/api/books/import", Json("{}"))).StatusCode);
    }

    private static ByteArrayContent Json(byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    private static ByteArrayContent Json(string text) => Json(Encoding.UTF8.GetBytes(text));

    private static async Task<JsonElement> BooksOfAsync(UserClient user) =>
        await (await user.Http.GetAsync("/api/books")).ReadJsonAsync(HttpStatusCode.OK);

    // Balances by wallet name (ids differ between the book and its import).
    private static Dictionary<string, long> Balances(JsonElement book) => book.GetProperty("wallets").EnumerateArray()
        .ToDictionary(w => w.GetProperty("name").GetString()!, w => w.GetProperty("balance").GetInt64());
}
