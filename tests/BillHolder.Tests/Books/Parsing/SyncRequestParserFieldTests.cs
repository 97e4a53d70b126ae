using static BillHolder.Tests.Books.Parsing.ParserTestData;

namespace BillHolder.Tests.Books.Parsing;

// One row per field value: either it parses, or the only error is at that field's path.
public sealed class SyncRequestParserFieldTests
{
    private const string Long17 = "\"abcdefghijklmnopq\"";
    private const string Long16 = "\"abcdefghijklmnop\"";

    [Theory]
    // id: any JSON integer, provisional ids negative
    [InlineData("bills", "id", "-9223372036854775808", true)]
    [InlineData("bills", "id", "9223372036854775807", true)]
    [InlineData("bills", "id", "9223372036854775808", false)]
    [InlineData("bills", "id", Absent, false)]
    [InlineData("bills", "id", "null", false)]
    [InlineData("bills", "id", "\"1\"", false)]
    [InlineData("bills", "id", "1.5", false)]
    [InlineData("bills", "id", "1.0", false)]
    [InlineData("wallets", "id", "1e3", false)]
    // status: 0-3 or the lowercase names
    [InlineData("bills", "status", "\"new\"", true)]
    [InlineData("bills", "status", "\"modified\"", true)]
    [InlineData("bills", "status", "1", true)]
    [InlineData("bills", "status", "4", false)]
    [InlineData("bills", "status", "-1", false)]
    [InlineData("bills", "status", "3.0", false)]
    [InlineData("bills", "status", "\"New\"", false)]
    [InlineData("bills", "status", "\"3\"", false)]
    [InlineData("bills", "status", "true", false)]
    [InlineData("bills", "status", Absent, false)]
    // amounts: integers 0..10^12
    [InlineData("bills", "amount", "0", true)]
    [InlineData("bills", "amount", "1000000000000", true)]
    [InlineData("bills", "amount", "1000000000001", false)]
    [InlineData("bills", "amount", "-1", false)]
    [InlineData("bills", "amount", "10.0", false)]
    [InlineData("bills", "amount", "1e3", false)]
    [InlineData("bills", "amount", "\"5\"", false)]
    [InlineData("bills", "amount", "null", false)]
    [InlineData("bills", "amount", Absent, false)]
    [InlineData("incomes", "amount", "-5", false)]
    [InlineData("transfers", "amount", "2.5", false)]
    // openingBalance: -10^12..10^12
    [InlineData("wallets", "openingBalance", "-1000000000000", true)]
    [InlineData("wallets", "openingBalance", "-1000000000001", false)]
    [InlineData("wallets", "openingBalance", "1000000000001", false)]
    [InlineData("wallets", "openingBalance", Absent, true)]
    // dates and timestamps
    [InlineData("bills", "date", "-1", false)]
    [InlineData("bills", "date", Absent, false)]
    [InlineData("incomes", "date", "1700000000000", true)]
    [InlineData("bills", "createdAt", "null", true)]
    [InlineData("bills", "createdAt", "0", true)]
    [InlineData("bills", "createdAt", "-1", false)]
    [InlineData("wallets", "lastEditedAt", "1.5", false)]
    [InlineData("transfers", "lastEditedAt", "\"now\"", false)]
    // wallet references: any int64, may be provisional
    [InlineData("bills", "walletId", "-7", true)]
    [InlineData("bills", "walletId", Absent, false)]
    [InlineData("incomes", "walletId", "\"1\"", false)]
    [InlineData("transfers", "fromWalletId", "-3", true)]
    [InlineData("transfers", "toWalletId", "1", false)]
    [InlineData("transfers", "toWalletId", "1.0", false)]
    // strings
    [InlineData("wallets", "name", Long16, true)]
    [InlineData("wallets", "name", Long17, false)]
    [InlineData("wallets", "name", "\"\"", false)]
    [InlineData("wallets", "name", Absent, false)]
    [InlineData("wallets", "name", "5", false)]
    [InlineData("wallets", "name", "\"\\ud800\"", false)]
    [InlineData("wallets", "name", "\"😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀\"", true)]
    [InlineData("wallets", "name", "\"😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀\"", false)]
    [InlineData("wallets", "color", Long16, true)]
    [InlineData("wallets", "color", Long17, false)]
    [InlineData("wallets", "color", "null", true)]
    [InlineData("wallets", "remark", "\"\"", true)]
    [InlineData("wallets", "remark", "[]", false)]
    [InlineData("bills", "category", "\"abcdefghijklmnopqrstuvwxyz012345\"", true)]
    [InlineData("bills", "category", "\"abcdefghijklmnopqrstuvwxyz0123456\"", false)]
    [InlineData("incomes", "category", "1", false)]
    [InlineData("transfers", "remark", "false", false)]
    public void Parse_RecordField(string collection, string field, string rawValue, bool valid)
    {
        var result = Parse(Body($"\"{collection}\":[{RecordWith(collection, field, rawValue)}]"));

        Assert.Equal(valid ? [] : [$"{collection}[0].{field}"], Keys(result.Errors));
        Assert.Equal(valid, result.IsValid);
    }

    [Theory]
    // version: the optional base of a modified or deleted record (rule 12), an integer >= 0
    [InlineData("{\"id\":1,\"status\":1,\"walletId\":1,\"amount\":5,\"date\":0,\"version\":3}", true)]
    [InlineData("{\"id\":1,\"status\":1,\"walletId\":1,\"amount\":5,\"date\":0,\"version\":0}", true)]
    [InlineData("{\"id\":1,\"status\":1,\"walletId\":1,\"amount\":5,\"date\":0,\"version\":null}", true)]
    [InlineData("{\"id\":1,\"status\":1,\"walletId\":1,\"amount\":5,\"date\":0,\"version\":-1}", false)]
    [InlineData("{\"id\":1,\"status\":1,\"walletId\":1,\"amount\":5,\"date\":0,\"version\":\"3\"}", false)]
    [InlineData("{\"id\":1,\"status\":2,\"version\":1.5}", false)]
    [InlineData("{\"id\":1,\"status\":2,\"version\":7}", true)]
    public void Parse_RecordVersion(string record, bool valid)
    {
        var result = Parse(Body($"\"bills\":[{record}]"));

        Assert.Equal(valid ? [] : ["bills[0].version"], Keys(result.Errors));
    }

    [Theory]
    [InlineData("bills")]
    [InlineData("incomes")]
    [InlineData("transfers")]
    [InlineData("wallets")]
    public void Parse_RemarkLongerThan255IsRejected(string collection)
    {
        var ok = Parse(Body($"\"{collection}\":[{RecordWith(collection, "remark", $"\"{new string('r', 255)}\"")}]"));
        var tooLong = Parse(Body($"\"{collection}\":[{RecordWith(collection, "remark", $"\"{new string('r', 256)}\"")}]"));

        Assert.True(ok.IsValid);
        Assert.Equal([$"{collection}[0].remark"], Keys(tooLong.Errors));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("2")]
    [InlineData("\"synchronized\"")]
    [InlineData("\"deleted\"")]
    public void Parse_SynchronizedAndDeletedRecordsNeedOnlyIdAndStatus(string status)
    {
        var junk = "{\"id\":4,\"status\":" + status + ",\"amount\":-3.5,\"walletId\":\"x\",\"name\":\"\"}";

        var result = Parse(Body($"\"bills\":[{junk}],\"wallets\":[{junk}],\"transfers\":[{junk}],\"incomes\":[{junk}]"));

        Assert.True(result.IsValid, string.Join(", ", Keys(result.Errors)));
        Assert.Equal(4, result.Request.Changes.Bills[0].Id);
    }

    [Theory]
    [InlineData("{\"id\":5}", "bills[0].status")]
    [InlineData("{\"status\":2}", "bills[0].id")]
    [InlineData("{\"id\":\"x\",\"status\":3,\"amount\":-1}", "bills[0].id;bills[0].amount;bills[0].walletId;bills[0].date")]
    [InlineData("{\"id\":1,\"status\":9,\"amount\":-1}", "bills[0].status")]
    public void Parse_RecordReportsEveryFieldError(string record, string keys)
    {
        var result = Parse(Body($"\"bills\":[{record}]"));

        Assert.Equal(Split(keys), Keys(result.Errors));
    }
}
