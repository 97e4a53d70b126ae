using BillHolder.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace BillHolder.Tests.Accounts;

public sealed class StartupValidationTests
{
    [Fact]
    public void Boot_WithAShortSigningKey_FailsNamingTheSetting()
    {
        var error = Assert.ThrowsAny<Exception>(() => Boot("Testing", "too-short"));
        Assert.Contains("Auth:SigningKey", Flatten(error));
    }

    [Fact]
    public void Boot_InProductionWithTheDevelopmentKey_Fails()
    {
        var error = Assert.ThrowsAny<Exception>(() => Boot("Production", null));
        Assert.Contains("development key", Flatten(error));
    }

    [Theory]
    [InlineData("Staging")]
    [InlineData("Testing")]
    public void Boot_OutsideDevelopmentWithTheDevelopmentKey_Fails(string environment)
    {
        var error = Assert.ThrowsAny<Exception>(() => Boot(environment, null));
        Assert.Contains("development key", Flatten(error));
    }

    [Fact]
    public void Boot_InDevelopmentWithTheDevelopmentKey_Starts()
    {
        Boot("Development", null);
    }

    [Fact]
    public void Boot_WithAnInstanceIdThatIsNoHeaderValue_FailsNamingTheSetting()
    {
        using var app = ExtraHost.Create(ExtraHost.UnreachableDatabase, ("Instance:Id", "two words"));
        var error = Assert.ThrowsAny<Exception>(() => app.CreateClient());
        Assert.Contains("Instance:Id", Flatten(error));
    }

    private static void Boot(string environment, string? signingKey)
    {
        using var app = ExtraHost.Create(environment, ExtraHost.UnreachableDatabase,
            signingKey is null ? [] : [("Auth:SigningKey", signingKey)]);
        app.CreateClient();
    }

    private static string Flatten(Exception error) => error is OptionsValidationException options
        ? string.Join(" ", options.Failures)
        : error.ToString();
}
