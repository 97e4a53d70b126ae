using System.Net;
using System.Net.Sockets;

namespace BillHolder.Tests.Infrastructure;

// A loopback TCP relay in front of MariaDB that a test can cut and restore, to play a database outage.
// It also counts round trips: each time a client speaks again after the server answered is one.
internal sealed class TcpRelay : IAsyncDisposable
{
    private long _roundTrips;

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _open = [];
    private readonly Task _accepting;
    private volatile bool _up = true;
    private volatile TaskCompletionSource _flowing = Flowing();

    private static TaskCompletionSource Flowing()
    {
        var flowing = new TaskCompletionSource();
        flowing.SetResult();
        return flowing;
    }

    public TcpRelay(string host, int port)
    {
        _target = new IPEndPoint(IPAddress.Parse(host), port);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    // Drops every relayed connection and refuses new ones until Restore.
    public void Cut()
    {
        _up = false;
        lock (_open)
        {
            foreach (var client in _open) client.Dispose();
            _open.Clear();
        }
    }

    public void Restore() => _up = true;

    // Plays a database that is frozen, not stopped (a paused process, a full disk, a dead network path): every
    // connection, old or new, is accepted and held, but no byte goes either way until Thaw.
    public void Freeze() => _flowing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Thaw() => _flowing.TrySetResult();

    // Client turns over all relayed connections so far (pipelined requests sent together count once).
    public long RoundTrips => Interlocked.Read(ref _roundTrips);

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient inbound;
            try { inbound = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (OperationCanceledException) { return; }
            if (!_up)
            {
                inbound.Dispose();
                continue;
            }
            _ = RelayAsync(inbound);
        }
    }

    private async Task RelayAsync(TcpClient inbound)
    {
        var outbound = new TcpClient();
        try
        {
            await outbound.ConnectAsync(_target, _stop.Token);
            lock (_open) { _open.Add(inbound); _open.Add(outbound); }
            var turn = new Turn();
            var a = PumpAsync(inbound.GetStream(), outbound.GetStream(), turn, fromClient: true);
            var b = PumpAsync(outbound.GetStream(), inbound.GetStream(), turn, fromClient: false);
            await Task.WhenAny(a, b);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        finally
        {
            inbound.Dispose();
            outbound.Dispose();
        }
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to, Turn turn, bool fromClient)
    {
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var read = await from.ReadAsync(buffer, _stop.Token);
            if (read == 0) return;
            await _flowing.Task.WaitAsync(_stop.Token);
            // A request waits for its answer before the next one, so the first bytes after an answer open a turn.
            if (fromClient && !turn.ClientSpeaking) Interlocked.Increment(ref _roundTrips);
            turn.ClientSpeaking = fromClient;
            await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
        }
    }

    private sealed class Turn
    {
        public volatile bool ClientSpeaking;
    }

    public async ValueTask DisposeAsync()
    {
        Thaw();
        _stop.Cancel();
        _listener.Stop();
        Cut();
        await _accepting;
    }
}
