using System.Text.Json;
using BillHolder.Server.Books.Parsing;

namespace BillHolder.Tests.Books.Parsing;

// Rules found by trying the API as a user: blank names, and modifies that would silently reset a balance.
public sealed class SyncRequestParserNameTests
{
    [Theory]
    [InlineData("""{"syncId":"s","wallets":[{"id":-1,"status":3,"name":"   "}]}""", "wallets[0].name")]
    [InlineData("""{"syncId":"s","wallets":[{"id":-1,"status":3,"name":"\t"}]}""", "wallets[0].name")]
    [InlineData("""{"syncId":"s","book":{"name":"  "}}""", "book.name")]
    [InlineData("""{"syncId":"s","wallets":[{"id":1,"status":1,"name":"Cash"}]}""", "wallets[0].openingBalance")]
    public void Parse_RejectsBlankNamesAndPartialWalletModifies(string json, string path)
    {
        var result = ParserTestData.Parse(json);
        Assert.False(result.IsValid);
        Assert.Equal([path], result.Errors.Keys);
    }

    [Theory]
    [InlineData("""{"syncId":"s","wallets":[{"id":-1,"status":3,"name":" Cash "}]}""")]
    [InlineData("""{"syncId":"s","wallets":[{"id":-1,"status":3,"name":"Cash"}]}""")]
    [InlineData("""{"syncId":"s","wallets":[{"id":1,"status":1,"name":"Cash","openingBalance":5}]}""")]
    [InlineData("""{"syncId":"s","wallets":[{"id":1,"status":2}]}""")]
    public void Parse_AcceptsNamesWithSomethingInThem_AndNewWalletsWithoutOpeningBalance(string json)
    {
        var result = ParserTestData.Parse(json);
        Assert.True(result.IsValid, string.Join("; ", result.Errors.Select(e => $"{e.Key}: {string.Join(",", e.Value)}")));
    }

    [Fact]
    public void BookCreationAndPatch_RejectBlankNames()
    {
        var created = ParserTestData.ParseNewBook("""{"name":"   "}""");
        Assert.Equal(["name"], created.Errors.Keys);
        var meta = SyncParser.ParseBookMeta(JsonDocument.Parse("""{"name":" "}""").RootElement);
        Assert.False(meta.IsOk);
        Assert.Equal(["name"], meta.Error.Errors.Keys);
    }
}
