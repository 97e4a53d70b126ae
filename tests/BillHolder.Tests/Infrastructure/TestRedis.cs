using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace BillHolder.Tests.Infrastructure;

// The Redis the tests use: the one test.sh starts (scripts/redis.sh, named by BILLHOLDER_TEST_REDIS), shared by
// every test class under a key prefix of its own; or, for tests that kill and restart it, a private redis-server
// on a free loopback port, owned by the test.
internal static class TestRedis
{
    public static string? Shared => Environment.GetEnvironmentVariable("BILLHOLDER_TEST_REDIS") is { Length: > 0 } address ? address : null;
}

internal sealed class PrivateRedis : IAsyncDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"billholder-redis-{Guid.NewGuid():N}");
    private Process? _process;

    private PrivateRedis(int port) => Port = port;

    public int Port { get; }

    public string Address => $"127.0.0.1:{Port}";

    public static async Task<PrivateRedis> StartAsync()
    {
        var redis = new PrivateRedis(FreePort());
        Directory.CreateDirectory(redis._directory);
        await redis.StartAsync(redis.Port);
        return redis;
    }

    // As kill -9 would: no goodbye to the clients.
    public void Kill()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            process.WaitForExit(10_000);
        }
        _process = null;
    }

    // On the same port, empty (nothing is persisted), as a restarted Redis comes back.
    public Task RestartAsync()
    {
        Kill();
        return StartAsync(Port);
    }

    private async Task StartAsync(int port)
    {
        _process = Process.Start(new ProcessStartInfo("redis-server",
            ["--port", port.ToString(), "--bind", "127.0.0.1", "--dir", _directory, "--save", "", "--appendonly", "no", "--loglevel", "warning"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("redis-server did not start (is it installed? scripts/redis.sh installs it).");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !_process.HasExited)
            {
                await Task.Delay(50);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
        return ValueTask.CompletedTask;
    }
}
