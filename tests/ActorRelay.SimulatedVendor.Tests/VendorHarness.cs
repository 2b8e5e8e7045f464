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

    /// <summary>Posts a JSON body to any route (the Anthropic and Gemini ones included).</summary>
    public Task<HttpResponseMessage> PostAsync(
        string path,
        JsonObject body,
        IEnumerable<KeyValuePair<string, string>>? headers = null,
        HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
        foreach (var (name, value) in headers ?? [])
        {
            request.Headers.Add(name, value);
        }

        return Client.SendAsync(request, completion, Cancellation);
    }

    /// <summary>Posts a non-stream request to <paramref name="path"/> and returns the parsed answer, asserting a 200.</summary>
    public async Task<JsonObject> PostJsonAsync(string path, JsonObject body, IEnumerable<KeyValuePair<string, string>>? headers = null)
    {
        using var response = await PostAsync(path, body, headers);
        var text = await response.Content.ReadAsStringAsync(Cancellation);
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!.AsObject();
    }

    /// <summary>Posts a stream request to <paramref name="path"/>, reads it to the end and returns its events (name, data).</summary>
    public async Task<IReadOnlyList<(string? Event, string Data)>> PostStreamAsync(string path, JsonObject body, IEnumerable<KeyValuePair<string, string>>? headers = null)
    {
        using var response = await PostAsync(path, body, headers, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync(Cancellation);
        Assert.EndsWith("\n\n", text, StringComparison.Ordinal);
        return [.. text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(ParseEvent)];
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

    /// <summary>A tool whose schema exercises every type the simulator fills; <see cref="WeatherArguments"/> is its expected call.</summary>
    public static JsonObject WeatherSchema() => JsonNode.Parse("""
        {
          "type": "object",
          "properties": {
            "location": { "type": "string", "description": "City and state" },
            "unit": { "type": "string", "enum": ["celsius", "fahrenheit"] },
            "days": { "type": "integer", "minimum": 3 },
            "detailed": { "type": "boolean" },
            "coords": { "type": "object", "properties": { "lat": { "type": "number" }, "lon": { "type": "number" } }, "required": ["lat"] },
            "tags": { "type": "array", "items": { "type": "string" } },
            "note": { "type": "string" }
          },
          "required": ["location", "unit", "days", "detailed", "coords", "tags"]
        }
        """)!.AsObject();

    public const string WeatherArguments = """{"location":"sim","unit":"celsius","days":3,"detailed":true,"coords":{"lat":1},"tags":["sim"]}""";

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
    }

    private static (string? Event, string Data) ParseEvent(string block)
    {
        string? name = null;
        var data = new StringBuilder();
        foreach (var line in block.Split('\n'))
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                name = line["event: ".Length..];
            }
            else
            {
                Assert.StartsWith("data: ", line, StringComparison.Ordinal);
                data.Append(line["data: ".Length..]);
            }
        }

        return (name, data.ToString());
    }
}
