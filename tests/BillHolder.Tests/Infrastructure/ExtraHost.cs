using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace BillHolder.Tests.Infrastructure;

// A host of its own for tests that need an odd setup: a dead database, a second server process, a bad key.
internal static class ExtraHost
{
    // Port 1 on loopback: nothing listens, so every connection attempt fails fast.
    public const string UnreachableDatabase = "Server=127.0.0.1;Port=1;Database=none;User ID=x;Password=y;SslMode=Disabled";

    public static WebApplicationFactory<Program> Create(string connectionString, params (string Key, string Value)[] settings) =>
        Create("Testing", connectionString, [("Auth:SigningKey", BillHolderServer.SigningKey), .. settings]);

    public static WebApplicationFactory<Program> Create(string environment, string connectionString, (string Key, string Value)[] settings) =>
        new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseEnvironment(environment);
            builder.UseSetting("ConnectionStrings:BillHolder", connectionString);
            foreach (var (key, value) in settings) builder.UseSetting(key, value);
        });
}
