using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.TestHost;

namespace BillHolder.Tests.Realtime;

// The SignalR client's transport, minus HTTP negotiation (whose package is not served here): one WebSocket
// to the in-memory TestServer, its frames pumped to and from a duplex pipe. The hub protocol does its own framing.
internal sealed class WebSocketConnectionFactory(TestServer server, string? accessToken) : IConnectionFactory
{
    public async ValueTask<ConnectionContext> ConnectAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        var uri = ((UriEndPoint)endpoint).Uri;
        var client = server.CreateWebSocketClient();
        if (accessToken is not null)
        {
            uri = new UriBuilder(uri) { Query = $"access_token={Uri.EscapeDataString(accessToken)}" }.Uri;
        }
        var socket = await client.ConnectAsync(uri, cancellationToken);
        return new WebSocketConnection(socket);
    }

    private sealed class WebSocketConnection : ConnectionContext
    {
        private readonly WebSocket _socket;
        private readonly IDuplexPipe _application;
        private readonly CancellationTokenSource _aborted = new();
        private readonly Task _receiving;
        private readonly Task _sending;

        public WebSocketConnection(WebSocket socket)
        {
            _socket = socket;
            var toClient = new Pipe();
            var toServer = new Pipe();
            Transport = new DuplexPipe(toClient.Reader, toServer.Writer);
            _application = new DuplexPipe(toServer.Reader, toClient.Writer);
            _receiving = ReceiveAsync();
            _sending = SendAsync();
        }

        public override string ConnectionId { get; set; } = Guid.NewGuid().ToString("N");

        public override IFeatureCollection Features { get; } = new FeatureCollection();

        public override IDictionary<object, object?> Items { get; set; } = new Dictionary<object, object?>();

        public override IDuplexPipe Transport { get; set; }

        public override void Abort(ConnectionAbortedException abortReason) => _aborted.Cancel();

        public override async ValueTask DisposeAsync()
        {
            // The client completes its output on stop; the send pump then closes the socket, and the server's
            // close ends the receive pump. Abort only if that handshake does not finish.
            var pumps = Task.WhenAll(_receiving, _sending);
            if (await Task.WhenAny(pumps, Task.Delay(TimeSpan.FromSeconds(5))) != pumps) _aborted.Cancel();
            await pumps;
            _socket.Dispose();
        }

        private async Task ReceiveAsync()
        {
            var output = _application.Output;
            Exception? error = null;
            try
            {
                while (true)
                {
                    var memory = output.GetMemory(4096);
                    var received = await _socket.ReceiveAsync(memory, _aborted.Token);
                    if (received.MessageType == WebSocketMessageType.Close) break;
                    output.Advance(received.Count);
                    if (received.EndOfMessage && (await output.FlushAsync(_aborted.Token)).IsCompleted) break;
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
            {
                error = ex is OperationCanceledException ? null : ex;
            }
            finally
            {
                await output.CompleteAsync(error);
                // The server closed or failed: stop sending too.
                _application.Input.CancelPendingRead();
            }
        }

        private async Task SendAsync()
        {
            var input = _application.Input;
            try
            {
                while (true)
                {
                    var result = await input.ReadAsync(_aborted.Token);
                    if (result.IsCanceled) break;
                    // One frame per flush; its segments are fragments, so no UTF-8 sequence is cut across frames.
                    ReadOnlyMemory<byte>? previous = null;
                    foreach (var segment in result.Buffer)
                    {
                        if (previous is { } fragment) await _socket.SendAsync(fragment, WebSocketMessageType.Text, false, _aborted.Token);
                        previous = segment;
                    }
                    if (previous is { } final) await _socket.SendAsync(final, WebSocketMessageType.Text, true, _aborted.Token);
                    input.AdvanceTo(result.Buffer.End);
                    if (result.IsCompleted) break;
                }
                if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                {
                    await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, _aborted.Token);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
            {
                _aborted.Cancel();
            }
            finally
            {
                await input.CompleteAsync();
            }
        }
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
