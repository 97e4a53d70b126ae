using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
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

    private static void Boot(string environment, string? signingKey)
    {
        using var app = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseEnvironment(environment);
            builder.UseSetting("ConnectionStrings:BillHolder", "Server=127.0.0.1;Port=1;Database=none;User ID=x;Password=y;SslMode=Disabled");
            if (signingKey is not null) builder.UseSetting("Auth:SigningKey", signingKey);
        });
        app.CreateClient();
    }

    private static string Flatten(Exception error) => error is OptionsValidationException options
        ? string.Join(" ", options.Failures)
        : error.ToString();
}
