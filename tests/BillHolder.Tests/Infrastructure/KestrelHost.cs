using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace BillHolder.Tests.Infrastructure;

// The server behind real Kestrel on a loopback port, for what TestServer cannot show: the Server header, and
// requests Kestrel itself rejects. Raw requests go over a socket so that they can be as broken as a test needs.
public sealed class KestrelHost : IAsyncLifetime
{
    private WebApplicationFactory<Program>? _kestrel;

    public BillHolderServer Server { get; } = new();

    public Uri Address { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Server.InitializeAsync();
        _kestrel = Server.App.WithWebHostBuilder(_ => { });
        _kestrel.UseKestrel(0);
        _kestrel.StartServer();
        var addresses = _kestrel.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!;
        Address = new Uri(addresses.Addresses.First().Replace("[::]", "127.0.0.1").Replace("localhost", "127.0.0.1"));
    }

    public async Task DisposeAsync()
    {
        if (_kestrel is not null) await _kestrel.DisposeAsync();
        await Server.DisposeAsync();
    }

    public HttpClient Client() => new() { BaseAddress = Address };

    // Sends the bytes as they are and returns the whole answer as text (the server closes after a rejection).
    public async Task<RawAnswer> SendRawAsync(string request, bool halfClose = false)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(Address.Host, Address.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        if (halfClose) client.Client.Shutdown(SocketShutdown.Send);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var text = await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(20));
        return new RawAnswer(text);
    }
}

public sealed record RawAnswer(string Text)
{
    public int Status => int.Parse(Text.Split(' ')[1]);

    public string Head => Text.Split("\r\n\r\n")[0];

    public string Body => Text.Contains("\r\n\r\n") ? Text[(Text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..] : "";
}
