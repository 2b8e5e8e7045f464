using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ActorRelay.Gateway.Tests.Infrastructure;

/// <summary>Builds OpenAI chat requests and reads SSE answers, as a client would.</summary>
public static class Chat
{
    public static HttpRequestMessage Request(string model, string userMessage, bool stream = false, bool includeUsage = false, string? clientRequestId = null)
    {
        var body = new JsonObject
        {
            ["model"] = model,
            ["messages"] = new JsonArray(
                new JsonObject { ["role"] = "system", ["content"] = "You are terse." },
                new JsonObject { ["role"] = "user", ["content"] = userMessage }),
        };
        if (stream)
        {
            body["stream"] = true;
            if (includeUsage)
            {
                body["stream_options"] = new JsonObject { ["include_usage"] = true };
            }
        }

        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        if (clientRequestId is not null)
        {
            request.Headers.Add("x-request-id", clientRequestId);
        }

        return request;
    }

    public static HttpRequestMessage Raw(string body) => new(HttpMethod.Post, "/v1/chat/completions")
    {
        Content = new StringContent(body, Encoding.UTF8, "application/json"),
    };

    /// <summary>The <c>data:</c> payloads of an SSE body, in order.</summary>
    public static async Task<List<string>> ReadEventsAsync(HttpResponseMessage response)
    {
        var events = new List<string>();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                events.Add(line["data: ".Length..]);
            }
        }

        return events;
    }

    public static string ConcatenatedDeltas(IEnumerable<string> events) => string.Concat(events
        .Where(data => data != "[DONE]")
        .Select(data => JsonNode.Parse(data)!)
        .Where(chunk => chunk["choices"] is JsonArray { Count: > 0 })
        .Select(chunk => (string?)chunk["choices"]![0]!["delta"]!["content"] ?? ""));

    public static async Task<JsonNode> JsonAsync(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync()) ?? throw new JsonException("empty body");

    public static async Task<JsonNode> UsageAsync(HttpClient client) =>
        (await client.GetFromJsonAsync<JsonNode>("/v1/usage"))!;
}
