using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace BillHolder.LoadTest;

// The REST calls the load tests need, with plain HttpClient, and the hub connection recipe.
internal sealed class Api(Uri baseUri)
{
    public const string Password = "load-test-password";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly HttpClient _http = new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = 1024,
        PooledConnectionLifetime = TimeSpan.FromMinutes(10),
    })
    {
        BaseAddress = baseUri,
        Timeout = TimeSpan.FromSeconds(60),
    };

    public Uri BaseUri => baseUri;

    public async Task<User> RegisterAndLoginAsync(string username)
    {
        using (var register = await _http.PostAsJsonAsync("/api/auth/register", new { username, password = Password }, Json))
        {
            if (register.StatusCode != HttpStatusCode.Conflict) await EnsureAsync(register);
        }
        using var login = await _http.PostAsJsonAsync("/api/auth/login", new { username, password = Password }, Json);
        await EnsureAsync(login);
        var body = await login.Content.ReadFromJsonAsync<JsonElement>(Json);
        return new User(username, body.GetProperty("accessToken").GetString()!);
    }

    // A book with two wallets and `preload` bills, created in chunks of at most `chunk` records: the creation
    // request carries the first chunk, each further chunk is one sync. A chunk as large as the server's
    // Sync__MaxRecordsPerSync makes a 200k-record book two requests, on today's server and on one that checkpoints.
    public async Task<BookInfo> CreateBookAsync(User owner, string name, int preload, int chunk = 5_000)
    {
        chunk = Math.Max(chunk, 3);
        var first = Math.Min(preload, chunk - 2);
        var created = await SendAsync(owner, HttpMethod.Post, "/api/books", new
        {
            name,
            wallets = new object[]
            {
                new { id = -1, status = 3, name = "Cash", openingBalance = 1_000_000 },
                new { id = -2, status = 3, name = "Bank", openingBalance = 5_000_000 },
            },
            bills = NewBills(first),
        });
        var book = new BookInfo(created.GetProperty("id").GetInt64(), created.GetProperty("idMap").GetProperty("wallets").GetProperty("-1").GetInt64(),
            created.GetProperty("idMap").GetProperty("wallets").GetProperty("-2").GetInt64(), created.GetProperty("version").GetInt64());
        for (var done = first; done < preload; done += chunk)
        {
            var count = Math.Min(chunk, preload - done);
            var synced = await SendAsync(owner, HttpMethod.Post, $"/api/books/{book.Id}/sync",
                new { syncId = $"preload-{Guid.NewGuid():N}", baseVersion = book.Version, bills = NewBills(count, book.WalletA) });
            book = book with { Version = synced.GetProperty("version").GetInt64() };
        }
        return book;
    }

    public Task AddMemberAsync(User owner, long bookId, string username, string role) =>
        SendAsync(owner, HttpMethod.Put, $"/api/books/{bookId}/members/{username}", new { role });

    public async Task<long> VersionAsync(User user, long bookId) =>
        (await SendAsync(user, HttpMethod.Get, $"/api/books/{bookId}/changes?since=0", null)).GetProperty("toVersion").GetInt64();

    // One REST sync; returns the status code and the parsed body (default on failure).
    public async Task<(int Status, JsonElement Body)> SyncAsync(User user, long bookId, object body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/books/{bookId}/sync") { Content = JsonContent.Create(body, options: Json) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user.Token);
        using var response = await _http.SendAsync(request, cancellationToken);
        var status = (int)response.StatusCode;
        if (!response.IsSuccessStatusCode)
        {
            await response.Content.ReadAsByteArrayAsync(cancellationToken);
            return (status, default);
        }
        return (status, await response.Content.ReadFromJsonAsync<JsonElement>(Json, cancellationToken));
    }

    // A GET whose status matters to the caller (404 of a route this server does not have, for one).
    public async Task<(int Status, JsonElement Body, long Bytes)> GetAsync(User user, string path, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user.Token);
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        JsonElement body = default;
        if (bytes.Length > 0)
        {
            try { body = JsonSerializer.Deserialize<JsonElement>(bytes, Json); }
            catch (JsonException) { }
        }
        return ((int)response.StatusCode, body, bytes.LongLength);
    }

    // Checkpoints the server has written since it started, from its /metrics (answered to loopback callers); null
    // when the endpoint is off or the counter is not there yet (no checkpoint written so far reads as 0).
    public async Task<long?> CheckpointsWrittenAsync(CancellationToken cancellationToken = default)
    {
        using var response = await _http.GetAsync("/metrics", cancellationToken);
        if (!response.IsSuccessStatusCode) return null;
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith("billholder_checkpoints_total{", StringComparison.Ordinal) && line.Contains("result=\"written\"", StringComparison.Ordinal))
                return long.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        }
        return text.Contains("# TYPE", StringComparison.Ordinal) ? 0 : null;
    }

    // A real WebSocket (no negotiation round trip); the token travels in the Authorization header. `at` is the
    // instance to connect to (cluster mode: --instances), by default the --url.
    public HubConnection Hub(User user, Uri? at = null)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(at ?? baseUri, "/hubs/books"), HttpTransportType.WebSockets, options =>
            {
                options.SkipNegotiation = true;
                options.AccessTokenProvider = () => Task.FromResult<string?>(user.Token);
            })
            .Build();
        connection.ServerTimeout = TimeSpan.FromSeconds(120);
        return connection;
    }

    private static object[] NewBills(int count, long walletId = -1) =>
        [.. Enumerable.Range(1, count).Select(i => new
        {
            id = -i, status = 3, walletId, amount = 100 + i % 900, date = 1_767_225_600_000L - i * 60_000L,
            category = "preload", remark = i % 3 == 0 ? "bulk record for the load test" : null,
        })];

    private async Task<JsonElement> SendAsync(User user, HttpMethod method, string path, object? body)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = JsonContent.Create(body, options: Json);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user.Token);
        using var response = await _http.SendAsync(request);
        await EnsureAsync(response);
        return await response.Content.ReadFromJsonAsync<JsonElement>(Json);
    }

    private static async Task EnsureAsync(HttpResponseMessage response)
    {
        if (response.IsSuccessStatusCode) return;
        var text = await response.Content.ReadAsStringAsync();
        throw new InvalidOperationException($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.AbsolutePath} " +
            $"answered {(int)response.StatusCode}: {text[..Math.Min(text.Length, 500)]}");
    }
}

internal sealed record User(string Username, string Token);

internal sealed record BookInfo(long Id, long WalletA, long WalletB, long Version);

internal static class Clock
{
    public static double MillisecondsSince(long timestamp) => Stopwatch.GetElapsedTime(timestamp).TotalMilliseconds;

    public static double Milliseconds(long from, long to) => (to - from) * 1000.0 / Stopwatch.Frequency;
}
