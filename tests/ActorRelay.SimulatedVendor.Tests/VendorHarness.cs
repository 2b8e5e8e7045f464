using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace ActorRelay.SimulatedVendor.Tests;

/// <summary>A simulated vendor on a free loopback port plus an HttpClient pointed at it.</summary>
internal sealed class VendorHarness : IAsyncDisposable
{
    private VendorHarness(SimulatedVendorServer server)
    {
        Server = server;
        // No draining of abandoned responses: disposing a response mid-stream closes the connection at once.
        Client = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { BaseAddress = server.BaseAddress };
    }

    public SimulatedVendorServer Server { get; }

    public HttpClient Client { get; }

    public SimulatedVendorMonitor Monitor => Server.Monitor;

    public static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    public static async Task<VendorHarness> StartAsync(SimulatedVendorOptions? options = null) =>
        new(await SimulatedVendorServer.StartAsync(options ?? new SimulatedVendorOptions(), cancellationToken: Cancellation));

    /// <summary>A chat-completions request body with one user message.</summary>
    public static JsonObject ChatBody(string userMessage, bool stream = false, bool includeUsage = false, int? maxTokens = null)
    {
        var body = new JsonObject
        {
            ["model"] = "sim-small",
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = userMessage }),
            ["stream"] = stream,
        };
        if (includeUsage)
        {
            body["stream_options"] = new JsonObject { ["include_usage"] = true };
        }

        if (maxTokens is int max)
        {
            body["max_tokens"] = max;
        }

        return body;
    }

    public Task<HttpResponseMessage> PostChatAsync(
        JsonObject body,
        IEnumerable<KeyValuePair<string, string>>? headers = null,
        HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead) =>
        PostChatAsync(body.ToJsonString(), headers, completion);

    public Task<HttpResponseMessage> PostChatAsync(
        string body,
        IEnumerable<KeyValuePair<string, string>>? headers = null,
        HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead,
        AuthenticationHeaderValue? authorization = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = authorization;
        foreach (var (name, value) in headers ?? [])
        {
            request.Headers.Add(name, value);
        }

        return Client.SendAsync(request, completion, Cancellation);
    }

    /// <summary>Posts a non-stream request and returns the parsed answer, asserting a 200.</summary>
    public async Task<JsonObject> CompleteAsync(JsonObject body, IEnumerable<KeyValuePair<string, string>>? headers = null)
    {
        using var response = await PostChatAsync(body, headers);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync(Cancellation))!.AsObject();
    }

    /// <summary>Posts a stream request, reads it to the end, asserts the SSE framing and returns the event payloads.</summary>
    public async Task<IReadOnlyList<string>> StreamAsync(JsonObject body, IEnumerable<KeyValuePair<string, string>>? headers = null)
    {
        using var response = await PostChatAsync(body, headers, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync(Cancellation);
        Assert.EndsWith("\n\n", text, StringComparison.Ordinal);
        var events = text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.All(events, e => Assert.StartsWith("data: ", e, StringComparison.Ordinal));
        return [.. events.Select(e => e["data: ".Length..])];
    }

    /// <summary>Polls a condition the vendor reaches asynchronously.</summary>
    public static async Task EventuallyAsync(Func<bool> condition, string because)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting until {because}.");
            await Task.Delay(10, Cancellation);
        }
    }

    public static IEnumerable<KeyValuePair<string, string>> Header(string name, string value) => [new(name, value)];

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
    }
}
