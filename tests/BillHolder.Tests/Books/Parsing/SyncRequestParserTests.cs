using BillHolder.Server.Books.Engine;
using BillHolder.Server.Books.Parsing;
using static BillHolder.Tests.Books.Parsing.ParserTestData;

namespace BillHolder.Tests.Books.Parsing;

public sealed class SyncRequestParserTests
{
    [Theory]
    [InlineData("[]", "")]
    [InlineData("\"sync\"", "")]
    [InlineData("null", "")]
    [InlineData("{}", "syncId")]
    [InlineData("{\"syncId\":\"\"}", "syncId")]
    [InlineData("{\"syncId\":7}", "syncId")]
    [InlineData("{\"syncId\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}", "syncId")]
    [InlineData("{\"syncId\":\"s\",\"baseVersion\":-1}", "baseVersion")]
    [InlineData("{\"syncId\":\"s\",\"baseVersion\":\"3\"}", "baseVersion")]
    [InlineData("{\"syncId\":\"s\",\"baseVersion\":1.5}", "baseVersion")]
    [InlineData("{\"syncId\":\"s\",\"book\":5}", "book")]
    [InlineData("{\"syncId\":\"s\",\"book\":{\"name\":\"\"}}", "book.name")]
    [InlineData("{\"syncId\":\"s\",\"book\":{\"name\":null}}", "book.name")]
    [InlineData("{\"syncId\":\"s\",\"book\":{\"name\":\"abcdefghijklmnopq\"}}", "book.name")]
    [InlineData("{\"syncId\":\"s\",\"book\":{\"remark\":5}}", "book.remark")]
    [InlineData("{\"syncId\":\"s\",\"wallets\":{}}", "wallets")]
    [InlineData("{\"syncId\":\"s\",\"bills\":\"x\",\"incomes\":3}", "bills;incomes")]
    [InlineData("{\"syncId\":\"s\",\"transfers\":[1,[],null]}", "transfers[0];transfers[1];transfers[2]")]
    [InlineData("{\"baseVersion\":-2,\"book\":[],\"wallets\":[{\"id\":1}],\"bills\":[{\"id\":1,\"status\":1}]}",
        "syncId;baseVersion;book;wallets[0].status;bills[0].walletId;bills[0].amount;bills[0].date")]
    public void Parse_BodyErrorsAreKeyedByPath(string json, string keys)
    {
        var result = Parse(json);

        Assert.False(result.IsValid);
        Assert.Null(result.Request);
        Assert.Equal(Split(keys).DefaultIfEmpty("").ToArray(), Keys(result.Errors));
        Assert.All(result.Errors.Values, messages => Assert.NotEmpty(messages));
    }

    [Fact]
    public void Parse_ValidBodyProducesTheRequest()
    {
        var json = """
            {"syncId":"abc","baseVersion":12,"book":{"name":"Trip","remark":null},"ignored":{"x":1},
             "wallets":[{"id":-1,"status":"new","name":"Cash","color":"#fff","openingBalance":-50,"balance":999,"createdAt":3}],
             "bills":[{"id":4,"status":1,"walletId":-1,"amount":7,"date":9,"category":"food","lastEditedAt":11,"version":3}],
             "transfers":[{"id":2,"status":"deleted"}],
             "incomes":[{"id":5,"status":0}]}
            """;

        var request = Assert.IsType<SyncRequest>(Parse(json).Request);

        Assert.Equal(("abc", (long?)12), (request.SyncId, request.BaseVersion));
        Assert.Equal(new BookMetaInput("Trip", null, RemarkSet: true), request.Book);
        Assert.Equal(new WalletInput(-1, RecordStatus.New, "Cash", "#fff", -50, null, 3, null), Assert.Single(request.Changes.Wallets));
        Assert.Equal(new BillInput(4, RecordStatus.Modified, -1, 7, 9, "food", null, null, 11, Version: 3), Assert.Single(request.Changes.Bills));
        Assert.Equal((2L, RecordStatus.Deleted), (request.Changes.Transfers[0].Id, request.Changes.Transfers[0].Status));
        Assert.Equal((5L, RecordStatus.Synchronized), (request.Changes.Incomes[0].Id, request.Changes.Incomes[0].Status));
    }

    [Fact]
    public void Parse_ErrorMessagesAreShortAndHuman()
    {
        var errors = Parse(Body($"\"bills\":[{RecordWith("bills", "amount", "1.5")}]")).Errors;

        Assert.Equal(["must be an integer between 0 and 1000000000000"], errors["bills[0].amount"]);
        Assert.Equal(["is required"], Parse("{}").Errors["syncId"]);
    }

    [Theory]
    [InlineData("{\"name\":\"Trip\"}", false)]
    [InlineData("{\"remark\":\"x\"}", true)]
    [InlineData("{}", false)]
    public void Parse_BookRemarkIsSetOnlyWhenPresent(string book, bool remarkSet)
    {
        var request = Parse(Body($"\"book\":{book}")).Request!;

        Assert.Equal(remarkSet, request.Book!.RemarkSet);
    }

    [Theory]
    [InlineData("bills", "[{\"id\":1,\"status\":2},{\"id\":2,\"status\":2},{\"id\":1,\"status\":0}]", "bills[2].id")]
    [InlineData("wallets", "[{\"id\":-1,\"status\":2},{\"id\":-1,\"status\":2},{\"id\":-1,\"status\":2}]", "wallets[1].id;wallets[2].id")]
    [InlineData("incomes", "[{\"id\":1,\"status\":2},{\"id\":-1,\"status\":2}]", "")]
    public void Parse_SameIdTwiceInACollectionIsRejectedAtTheLaterOccurrence(string collection, string array, string keys)
    {
        var result = Parse(Body($"\"{collection}\":{array}"));

        Assert.Equal(Split(keys), Keys(result.Errors));
    }

    [Fact]
    public void Parse_SameIdInDifferentCollectionsIsFine()
    {
        var result = Parse(Body("\"bills\":[{\"id\":1,\"status\":2}],\"incomes\":[{\"id\":1,\"status\":2}],\"wallets\":[{\"id\":1,\"status\":2}]"));

        Assert.True(result.IsValid);
    }

    [Theory]
    [InlineData(4, "")]
    [InlineData(3, "bills")]
    [InlineData(2, "bills")]
    [InlineData(1, "wallets")]
    public void Parse_MoreThanMaxRecordsInTotalIsRejected(int max, string keys)
    {
        // 2 wallets and 2 bills, each invalid: past the limit no record is read, so no record errors appear.
        var bad = "{\"id\":\"x\"}";
        var result = Parse(Body($"\"wallets\":[{bad},{bad}],\"bills\":[{bad},{bad}]"), new SyncParseOptions(MaxRecords: max));

        var expected = keys.Length == 0 ? ["bills[0].id", "bills[0].status", "bills[1].id", "bills[1].status",
            "wallets[0].id", "wallets[0].status", "wallets[1].id", "wallets[1].status"] : Split(keys);
        Assert.Equal(expected.Order(StringComparer.Ordinal), Keys(result.Errors));
    }

    [Theory]
    [InlineData("{}", "key-1", "key-1", "")]
    [InlineData("{\"syncId\":\"key-1\"}", "key-1", "key-1", "")]
    [InlineData("{\"syncId\":\"body\"}", null, "body", "")]
    [InlineData("{\"syncId\":\"body\"}", "header", null, "syncId")]
    [InlineData("{}", "", null, "syncId")]
    [InlineData("{}", "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk", null, "syncId")]
    public void Parse_IdempotencyKeyIsTheSyncIdFallback(string json, string? header, string? syncId, string keys)
    {
        var result = Parse(json, new SyncParseOptions(IdempotencyKey: header));

        Assert.Equal(syncId, result.Request?.SyncId);
        Assert.Equal(Split(keys), Keys(result.Errors));
    }

    [Fact]
    public void Parse_SyncIdMayBeOmittedWhenNotRequired()
    {
        var result = Parse("{}", new SyncParseOptions(RequireSyncId: false));

        Assert.Equal("", result.Request!.SyncId);
        Assert.Equal(0, result.Request.Changes.Count);
    }

    [Fact]
    public void Parse_OnlyNewRejectsOtherStatuses()
    {
        var result = Parse(Body($"\"wallets\":[{ValidRecord("wallets")},{{\"id\":2,\"status\":2}}],\"bills\":[{{\"id\":3,\"status\":\"modified\"}}]"),
            new SyncParseOptions(OnlyNew: true));

        Assert.Equal(["bills[0].amount", "bills[0].date", "bills[0].status", "bills[0].walletId", "wallets[1].status"], Keys(result.Errors));
    }

    [Theory]
    [InlineData("{\"name\":\"Home\",\"remark\":\"ours\"}", "")]
    [InlineData("{\"name\":\"Home\",\"wallets\":[{\"id\":-1,\"status\":3,\"name\":\"Cash\",\"openingBalance\":5}]}", "")]
    [InlineData("{\"remark\":\"ours\"}", "name")]
    [InlineData("{\"name\":\"\"}", "name")]
    [InlineData("{\"name\":\"Home\",\"remark\":7}", "remark")]
    [InlineData("{\"name\":\"Home\",\"bills\":[{\"id\":1,\"status\":0}]}", "bills[0].status")]
    [InlineData("[1]", "")]
    public void ParseNewBook_ValidatesNameRemarkAndNewRecords(string json, string keys)
    {
        var result = ParseNewBook(json);

        var expected = json.StartsWith('[') ? [""] : Split(keys);
        Assert.Equal(expected, Keys(result.Errors));
        Assert.Equal(expected.Length == 0, result.IsValid);
    }

    [Fact]
    public void ParseNewBook_ProducesNameRemarkAndRecords()
    {
        var book = ParseNewBook("{\"name\":\"Home\",\"incomes\":[{\"id\":-1,\"status\":3,\"walletId\":-2,\"amount\":5,\"date\":1}]}", maxRecords: 1).Book!;

        Assert.Equal(("Home", (string?)null), (book.Name, book.Remark));
        Assert.Equal(-2, Assert.Single(book.Changes.Incomes).WalletId);
        Assert.False(ParseNewBook("{\"name\":\"Home\",\"incomes\":[{},{}]}", maxRecords: 1).IsValid);
    }
}
