using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using ActorRelay.Gateway.Tests.Infrastructure;

namespace ActorRelay.Gateway.Tests.Translation;

/// <summary>A client on Anthropic's wire format (what the Anthropic SDKs send) calling <c>POST /v1/messages</c>.</summary>
public sealed class AnthropicClientTests(SharedGateway shared)
{
    private static HttpRequestMessage Messages(JsonObject body, string? key = RunningGateway.DemoKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages") { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
        if (key is not null)
        {
            request.Headers.Add("x-api-key", key);
        }

        request.Headers.Add("anthropic-version", "2023-06-01");
        return request;
    }

    private static JsonObject Body(string model, string text, bool stream = false) => new()
    {
        ["model"] = model,
        ["max_tokens"] = 256,
        ["system"] = "You are terse.",
        ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = text }),
        ["stream"] = stream,
    };

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request)
    {
        using var client = new HttpClient { BaseAddress = shared.Gateway.BaseAddress };
        return await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
    }

    [Theory]
    [InlineData("m-ok")]
    [InlineData("m-gemini")]
    public async Task Message_NonStream_ComesInAnthropicsFormat(string model)
    {
        using var response = await SendAsync(Messages(Body(model, "hello claude client")));
        var message = await Chat.JsonAsync(response);

        Assert.True(response.StatusCode == HttpStatusCode.OK, message.ToJsonString());
        Assert.Equal("message", (string?)message["type"]);
        Assert.Equal("assistant", (string?)message["role"]);
        Assert.StartsWith("msg_", (string?)message["id"]);
        Assert.Equal(model, (string?)message["model"]);
        Assert.Equal("text", (string?)message["content"]![0]!["type"]);
        Assert.StartsWith("You said: hello claude client", (string?)message["content"]![0]!["text"]);
        Assert.Equal("end_turn", (string?)message["stop_reason"]);
        Assert.True((long)message["usage"]!["input_tokens"]! > 0);
        Assert.True((long)message["usage"]!["output_tokens"]! > 0);
    }

    [Fact]
    public async Task Message_Stream_FollowsAnthropicsEventSequence()
    {
        using var response = await SendAsync(Messages(Body("m-ok", "stream to claude client", stream: true)));
        var events = await Sse.ReadTypedEventsAsync(response);

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.All(events, e => Assert.Equal(e.Event, (string?)e.Data["type"]));
        var names = events.Select(e => e.Event).ToList();
        Assert.Equal(["message_start", "content_block_start", "ping"], names.Take(3));
        Assert.Equal(["content_block_stop", "message_delta", "message_stop"], names.TakeLast(3));
        Assert.All(names.Skip(3).SkipLast(3), name => Assert.Equal("content_block_delta", name));
        var text = string.Concat(events.Where(e => e.Event == "content_block_delta").Select(e => (string?)e.Data["delta"]!["text"]));
        Assert.StartsWith("You said: stream to claude client", text);
        var delta = events.Single(e => e.Event == "message_delta").Data;
        Assert.Equal("end_turn", (string?)delta["delta"]!["stop_reason"]);
        Assert.True((long)delta["usage"]!["output_tokens"]! > 0);
        Assert.True((long)delta["usage"]!["input_tokens"]! > 0);
    }

    [Fact]
    public async Task Message_WithTools_AnswersWithAToolUseBlockAndTakesTheResult()
    {
        var body = Body("m-ok", "weather in Rome?");
        body["tools"] = new JsonArray(new JsonObject
        {
            ["name"] = "get_weather",
            ["description"] = "The weather in a city.",
            ["input_schema"] = JsonNode.Parse("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}"""),
        });
        using var first = await SendAsync(Messages(body));
        var message = await Chat.JsonAsync(first);
        var toolUse = message["content"]!.AsArray().Single(block => (string?)block!["type"] == "tool_use")!;

        Assert.Equal("tool_use", (string?)message["stop_reason"]);
        Assert.Equal("get_weather", (string?)toolUse["name"]);
        Assert.NotNull((string?)toolUse["input"]!["city"]);

        var messages = body["messages"]!.AsArray();
        messages.Add(new JsonObject { ["role"] = "assistant", ["content"] = message["content"]!.DeepClone() });
        messages.Add(new JsonObject
        {
            ["role"] = "user",
            ["content"] = new JsonArray(new JsonObject { ["type"] = "tool_result", ["tool_use_id"] = (string?)toolUse["id"], ["content"] = "cloudy" }),
        });
        using var second = await SendAsync(Messages(body));
        var answer = await Chat.JsonAsync(second);

        Assert.Equal("end_turn", (string?)answer["stop_reason"]);
        Assert.StartsWith("Tool said: cloudy", (string?)answer["content"]![0]!["text"]);
    }

    [Fact]
    public async Task Errors_ComeInAnthropicsFormat()
    {
        using var unknownModel = await SendAsync(Messages(Body("no-such-model", "hi")));
        var notFound = await Chat.JsonAsync(unknownModel);
        Assert.Equal(HttpStatusCode.NotFound, unknownModel.StatusCode);
        Assert.Equal("error", (string?)notFound["type"]);
        Assert.Equal("not_found_error", (string?)notFound["error"]!["type"]);

        var noMaxTokens = Body("m-ok", "hi");
        noMaxTokens.Remove("max_tokens");
        using var invalid = await SendAsync(Messages(noMaxTokens));
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal("invalid_request_error", (string?)(await Chat.JsonAsync(invalid))["error"]!["type"]);

        using var noKey = await SendAsync(Messages(Body("m-ok", "hi"), key: null));
        Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);
        Assert.Equal("authentication_error", (string?)(await Chat.JsonAsync(noKey))["error"]!["type"]);

        using var vendorRefused = await SendAsync(Messages(Body("m-anthropic-wrongkey", "hi")));
        Assert.Equal(HttpStatusCode.Unauthorized, vendorRefused.StatusCode);
        Assert.Equal("authentication_error", (string?)(await Chat.JsonAsync(vendorRefused))["error"]!["type"]);
    }

    [Fact]
    public async Task Stream_CutByTheVendor_EndsWithAnAnthropicErrorEvent()
    {
        using var response = await SendAsync(Messages(Body("m-drop", "cut the claude stream", stream: true)));
        var events = await Sse.ReadTypedEventsAsync(response);

        Assert.Equal("message_start", events[0].Event);
        Assert.Equal("error", events[^1].Event);
        Assert.Equal("api_error", (string?)events[^1].Data["error"]!["type"]);
        Assert.DoesNotContain(events, e => e.Event == "message_stop");
    }
}
