using System.IO.Pipelines;
using System.Net;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;

namespace BillHolder.LoadTest;

// The piece of Microsoft.AspNetCore.SignalR.Client that does not restore here: a transport for HubConnection.
// Connects straight to the WebSocket endpoint (no negotiate, which ASP.NET Core allows for WebSockets) and
// pumps frames between the socket and a pair of pipes that the hub protocol reads and writes.
internal sealed class WebSocketConnectionFactory : IConnectionFactory
{
    public async ValueTask<ConnectionContext> ConnectAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        var uri = ((UriEndPoint)endpoint).Uri;
        var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = TimeSpan.Zero; // SignalR has its own pings
        try
        {
            await socket.ConnectAsync(uri, cancellationToken);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new WebSocketConnection(socket);
    }
}

internal sealed class WebSocketConnection : ConnectionContext
{
    private readonly ClientWebSocket _socket;
    private readonly Pipe _toServer = new(new PipeOptions(useSynchronizationContext: false));
    private readonly Pipe _fromServer = new(new PipeOptions(useSynchronizationContext: false));
    private readonly CancellationTokenSource _closing = new();
    private readonly Task _receiving;
    private readonly Task _sending;

    public WebSocketConnection(ClientWebSocket socket)
    {
        _socket = socket;
        Transport = new DuplexPipe(_fromServer.Reader, _toServer.Writer);
        _receiving = Task.Run(ReceiveAsync);
        _sending = Task.Run(SendAsync);
    }

    public override IDuplexPipe Transport { get; set; }

    public override string ConnectionId { get; set; } = Guid.NewGuid().ToString("N");

    public override IFeatureCollection Features { get; } = new FeatureCollection();

    public override IDictionary<object, object?> Items { get; set; } = new Dictionary<object, object?>();

    private async Task ReceiveAsync()
    {
        Exception? error = null;
        try
        {
            while (true)
            {
                var memory = _fromServer.Writer.GetMemory(4096);
                var received = await _socket.ReceiveAsync(memory, _closing.Token);
                if (received.MessageType == WebSocketMessageType.Close) break;
                _fromServer.Writer.Advance(received.Count);
                if (received.EndOfMessage && (await _fromServer.Writer.FlushAsync()).IsCompleted) break;
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex)
        {
            error = ex;
        }
        await _fromServer.Writer.CompleteAsync(error);
    }

    private async Task SendAsync()
    {
        try
        {
            while (true)
            {
                var result = await _toServer.Reader.ReadAsync();
                var buffer = result.Buffer;
                // One hub message (or several) per WebSocket message; fragments if the pipe holds several segments.
                var position = buffer.Start;
                while (buffer.TryGet(ref position, out var segment))
                {
                    var last = position.GetObject() is null;
                    await _socket.SendAsync(segment, WebSocketMessageType.Text, last, _closing.Token);
                }
                _toServer.Reader.AdvanceTo(buffer.End);
                if (result.IsCompleted || result.IsCanceled) break;
            }
            if (_socket.State == WebSocketState.Open)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", timeout.Token);
            }
        }
        catch (Exception)
        {
            // The socket died; the receive side reports it to the hub connection.
        }
        await _toServer.Reader.CompleteAsync();
    }

    public override async ValueTask DisposeAsync()
    {
        _toServer.Writer.Complete();
        await Task.WhenAny(_sending, Task.Delay(TimeSpan.FromSeconds(2)));
        _closing.Cancel();
        await Task.WhenAny(_receiving, Task.Delay(TimeSpan.FromSeconds(2)));
        _fromServer.Reader.Complete();
        _socket.Dispose();
        _closing.Dispose();
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
