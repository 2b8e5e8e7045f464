using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace ActorRelay.SimulatedVendor.Tests;

/// <summary>The Anthropic Messages protocol: <c>POST /v1/messages</c>.</summary>
public sealed class AnthropicMessagesTests
{
    private const string Path = "v1/messages";

    [Fact]
    public async Task Messages_NonStream_ReturnsAnthropicMessageEchoingLastUserMessage()
    {
        await using var vendor = await VendorHarness.StartAsync(new SimulatedVendorOptions { ResponseTokens = 6 });
        var body = Body("hello claude");
        body["system"] = "Be brief";

        var message = await vendor.PostJsonAsync(Path, body);

        Assert.StartsWith("msg_sim_", (string?)message["id"], StringComparison.Ordinal);
        Assert.Equal("message", (string?)message["type"]);
        Assert.Equal("assistant", (string?)message["role"]);
        Assert.Equal("claude-sim", (string?)message["model"]);
        var block = Assert.Single(message["content"]!.AsArray())!;
        Assert.Equal("text", (string?)block["type"]);
        Assert.Equal("You said: hello claude lorem ipsum ", (string?)block["text"]);
        Assert.Equal("end_turn", (string?)message["stop_reason"]);
        Assert.Null(message["stop_sequence"]);
        Assert.Equal("""{"input_tokens":6,"output_tokens":6}""", message["usage"]!.ToJsonString()); // system and user: one per message plus words
    }

    [Fact]
    public async Task Messages_MaxTokensBelowResponse_StopsWithMaxTokens()
    {
        await using var vendor = await VendorHarness.StartAsync();

        var message = await vendor.PostJsonAsync(Path, Body("cap me", maxTokens: 3));

        Assert.Equal("max_tokens", (string?)message["stop_reason"]);
        Assert.Equal("You said: cap ", (string?)message["content"]![0]!["text"]);
    }

    [Fact]
    public async Task Messages_Stream_EmitsAnthropicEventSequenceWithUsage()
    {
        await using var vendor = await VendorHarness.StartAsync(new SimulatedVendorOptions { ResponseTokens = 4 });

        var events = await vendor.PostStreamAsync(Path, Body("stream it", stream: true));

        Assert.Equal(
            ["message_start", "content_block_start", "ping", "content_block_delta", "content_block_delta", "content_block_delta", "content_block_delta", "content_block_stop", "message_delta", "message_stop"],
            events.Select(e => e.Event));
        var data = events.Select(e => JsonNode.Parse(e.Data)!).ToList();
        Assert.All(events.Zip(data), pair => Assert.Equal(pair.First.Event, (string?)pair.Second["type"]));
        var start = data[0]["message"]!;
        Assert.StartsWith("msg_sim_", (string?)start["id"], StringComparison.Ordinal);
        Assert.Equal(3, (int)start["usage"]!["input_tokens"]!);
        Assert.Equal("""{"type":"text","text":""}""", data[1]["content_block"]!.ToJsonString());
        Assert.Equal("You said: stream it ", string.Concat(data.Skip(3).Take(4).Select(d => (string?)d["delta"]!["text"])));
        Assert.All(data.Skip(3).Take(4), d => Assert.Equal("text_delta", (string?)d["delta"]!["type"]));
        Assert.Equal("""{"stop_reason":"end_turn","stop_sequence":null}""", data[^2]["delta"]!.ToJsonString());
        Assert.Equal(4, (int)data[^2]["usage"]!["output_tokens"]!);
        await VendorHarness.EventuallyAsync(() => vendor.Monitor.Completed("stream it"), "the stream completed");
        Assert.Equal(4, vendor.Monitor.TokensWritten("stream it"));
    }

    [Fact]
    public async Task Messages_ToolsOffered_CallsFirstToolWithSchemaValidInput()
    {
        await using var vendor = await VendorHarness.StartAsync();

        var message = await vendor.PostJsonAsync(Path, WithTools(Body("weather in Paris?")));

        Assert.Equal("tool_use", (string?)message["stop_reason"]);
        var block = Assert.Single(message["content"]!.AsArray())!;
        Assert.Equal("tool_use", (string?)block["type"]);
        Assert.StartsWith("toolu_sim_", (string?)block["id"], StringComparison.Ordinal);
        Assert.Equal("get_weather", (string?)block["name"]);
        Assert.Equal(VendorHarness.WeatherArguments, block["input"]!.ToJsonString());
    }

    [Fact]
    public async Task Messages_StreamToolCall_EmitsToolUseBlockAndInputJsonDeltas()
    {
        await using var vendor = await VendorHarness.StartAsync();

        var events = await vendor.PostStreamAsync(Path, WithTools(Body("stream a call", stream: true)));

        var data = events.Select(e => JsonNode.Parse(e.Data)!).ToList();
        var block = data[1]["content_block"]!;
        Assert.Equal("tool_use", (string?)block["type"]);
        Assert.Equal("get_weather", (string?)block["name"]);
        Assert.Equal("{}", block["input"]!.ToJsonString());
        var deltas = data.Where(d => (string?)d["type"] == "content_block_delta").ToList();
        Assert.Equal(ToolCallTests.Fragments(), deltas.Count);
        Assert.All(deltas, d => Assert.Equal("input_json_delta", (string?)d["delta"]!["type"]));
        Assert.Equal(VendorHarness.WeatherArguments, string.Concat(deltas.Select(d => (string?)d["delta"]!["partial_json"])));
        Assert.Equal("tool_use", (string?)data[^2]["delta"]!["stop_reason"]);
    }

    [Fact]
    public async Task Messages_LastMessageIsToolResult_AnswersInText()
    {
        await using var vendor = await VendorHarness.StartAsync(new SimulatedVendorOptions { ResponseTokens = 5 });
        var body = WithTools(Body("weather in Paris?"));
        var messages = body["messages"]!.AsArray();
        messages.Add(JsonNode.Parse("""{"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{}}]}"""));
        messages.Add(JsonNode.Parse("""{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":[{"type":"text","text":"sunny"}]}]}"""));

        var message = await vendor.PostJsonAsync(Path, body);

        Assert.Equal("end_turn", (string?)message["stop_reason"]);
        Assert.Equal("Tool said: sunny lorem ipsum ", (string?)message["content"]![0]!["text"]);
    }

    [Theory]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}],"max_tokens":5}""", "model")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}]}""", "max_tokens")]
    [InlineData("""{"model":"m","max_tokens":5,"messages":[]}""", "messages")]
    [InlineData("""{"model":"m","max_tokens":5,"messages":[{"role":"system","content":"hi"}]}""", "messages.0.role")]
    [InlineData("""{"model":"m","max_tokens":5,"messages":[{"role":"user","content":7}]}""", "messages.0.content")]
    [InlineData("""{"model":"m","max_tokens":5,"stream":"yes","messages":[{"role":"user","content":"hi"}]}""", "stream")]
    [InlineData("""not json""", "JSON")]
    public async Task Messages_InvalidBody_Returns400WithAnthropicError(string body, string mentioned)
    {
        await using var vendor = await VendorHarness.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, Path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };

        using var response = await vendor.Client.SendAsync(request, VendorHarness.Cancellation);

        var error = await AnthropicErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request_error");
        Assert.Contains(mentioned, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(429, "rate_limit_error")]
    [InlineData(500, "api_error")]
    [InlineData(503, "overloaded_error")]
    public async Task Messages_InjectedFailure_ReturnsAnthropicError(int status, string type)
    {
        await using var vendor = await VendorHarness.StartAsync();

        using var response = await vendor.PostAsync(Path, Body("fail"), VendorHarness.Header("x-sim-fail", status.ToString(System.Globalization.CultureInfo.InvariantCulture)));

        await AnthropicErrorAsync(response, (HttpStatusCode)status, type);
        Assert.Equal(status == 429 ? TimeSpan.FromSeconds(1) : null, response.Headers.RetryAfter?.Delta);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong")]
    public async Task Messages_ApiKeyMissingOrWrong_Returns401AuthenticationError(string? key)
    {
        await using var vendor = await VendorHarness.StartAsync(new SimulatedVendorOptions { ApiKey = "sk-ant-sim" });

        using var response = await vendor.PostAsync(Path, Body("let me in"), key is null ? null : VendorHarness.Header("x-api-key", key));

        await AnthropicErrorAsync(response, HttpStatusCode.Unauthorized, "authentication_error");
        Assert.Equal(1, vendor.Monitor.RequestsReceived);
    }

    [Fact]
    public async Task Messages_ApiKeyCorrect_Answers()
    {
        await using var vendor = await VendorHarness.StartAsync(new SimulatedVendorOptions { ApiKey = "sk-ant-sim" });

        var message = await vendor.PostJsonAsync(Path, Body("let me in"), VendorHarness.Header("x-api-key", "sk-ant-sim"));

        Assert.Equal("end_turn", (string?)message["stop_reason"]);
    }

    [Fact]
    public async Task Messages_DropAfter_CutsStreamAfterStartEventsAndTokens()
    {
        await using var vendor = await VendorHarness.StartAsync(new SimulatedVendorOptions { TokenDelayMs = 20 });

        using var response = await vendor.PostAsync(Path, Body("drop claude", stream: true), VendorHarness.Header("x-sim-drop-after", "2"), HttpCompletionOption.ResponseHeadersRead);
        using var events = new SseLineReader(await response.Content.ReadAsStreamAsync(VendorHarness.Cancellation));
        var received = 0;

        await Assert.ThrowsAnyAsync<IOException>(async () =>
        {
            while (await events.NextAsync() is not null)
            {
                received++;
            }
        });

        Assert.Equal(3 + 2, received); // message_start, content_block_start, ping, 2 deltas
        Assert.Equal(2, vendor.Monitor.TokensWritten("drop claude"));
        Assert.False(vendor.Monitor.Completed("drop claude"));
    }

    internal static JsonObject Body(string userMessage, bool stream = false, int maxTokens = 1024) => new()
    {
        ["model"] = "claude-sim",
        ["max_tokens"] = maxTokens,
        ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = userMessage }),
        ["stream"] = stream,
    };

    private static JsonObject WithTools(JsonObject body)
    {
        body["tools"] = new JsonArray(
            new JsonObject { ["name"] = "get_weather", ["description"] = "Weather", ["input_schema"] = VendorHarness.WeatherSchema() },
            new JsonObject { ["name"] = "second_tool", ["input_schema"] = new JsonObject { ["type"] = "object" } });
        return body;
    }

    /// <summary>Asserts an Anthropic error (<c>{"type":"error","error":{"type","message"}}</c>) and returns its message.</summary>
    private static async Task<string> AnthropicErrorAsync(HttpResponseMessage response, HttpStatusCode status, string type)
    {
        Assert.Equal(status, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(VendorHarness.Cancellation))!;
        Assert.Equal("error", (string?)body["type"]);
        Assert.Equal(type, (string?)body["error"]!["type"]);
        var message = (string?)body["error"]!["message"];
        Assert.False(string.IsNullOrWhiteSpace(message));
        return message!;
    }
}
