using System.Text.Json.Nodes;
using ActorRelay.Core.Protocol;
using ActorRelay.Core.Translation;

namespace ActorRelay.Core.Tests.Translation;

public sealed class AnthropicInboundTests
{
    [Fact]
    public void TryToOpenAi_ToolsImagesAndToolResults_MatchesGoldenRequest()
    {
        var ok = AnthropicInbound.TryToOpenAi(Fixture.Json("AnthropicInbound/request-tools.anthropic.json"), out var openAi, out var error);

        Assert.True(ok, error);
        Fixture.AssertJson("AnthropicInbound/request-tools.openai.json", System.Text.Encoding.UTF8.GetBytes(openAi!.ToJsonString()));
    }

    [Theory]
    [InlineData("""{"max_tokens":10,"messages":[{"role":"user","content":"hi"}]}""", "model")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}]}""", "max_tokens")]
    [InlineData("""{"model":"m","max_tokens":0,"messages":[{"role":"user","content":"hi"}]}""", "max_tokens")]
    [InlineData("""{"model":"m","max_tokens":10,"messages":[]}""", "messages")]
    [InlineData("""{"model":"m","max_tokens":10,"messages":[{"role":"system","content":"hi"}]}""", "messages.0.role")]
    [InlineData("""{"model":"m","max_tokens":10,"messages":[{"role":"user","content":42}]}""", "messages.0.content")]
    [InlineData("""{"model":"m","max_tokens":10,"messages":[{"role":"user","content":[{"type":"search_result"}]}]}""", "search_result")]
    [InlineData("""{"model":"m","max_tokens":10,"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"web_search_20250305","name":"web_search"}]}""", "tools.0")]
    [InlineData("""{"model":"m","max_tokens":10,"messages":[{"role":"user","content":[{"type":"image","source":"oops"}]}]}""", "source")]
    [InlineData("""{"model":"m","max_tokens":10,"messages":[{"role":"assistant","content":[1]}]}""", "messages.0.content")]
    [InlineData("""{"model":"m","max_tokens":10,"messages":["hi"]}""", "messages.0")]
    [InlineData("""{"model":"m","max_tokens":10,"messages":[{"role":"user","content":"hi"}],"tool_choice":{"type":"tool"}}""", "tool_choice.name")]
    public void TryToOpenAi_InvalidRequest_ReturnsErrorNamingTheField(string anthropic, string field)
    {
        var ok = AnthropicInbound.TryToOpenAi(JsonNode.Parse(anthropic)!.AsObject(), out var openAi, out var error);

        Assert.False(ok);
        Assert.Null(openAi);
        Assert.Contains(field, error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryToOpenAi_PlainTextNonStream_IsMinimalOpenAiRequest()
    {
        var ok = AnthropicInbound.TryToOpenAi(
            JsonNode.Parse("""{"model":"m","max_tokens":100,"system":"Be kind.","messages":[{"role":"user","content":"Hello"}]}""")!.AsObject(),
            out var openAi,
            out _);

        Assert.True(ok);
        Assert.Equal(
            """{"model":"m","messages":[{"role":"system","content":"Be kind."},{"role":"user","content":"Hello"}],"max_tokens":100}""",
            openAi!.ToJsonString());
    }

    [Fact]
    public void FromOpenAiResponse_ToolCallCompletion_MatchesGoldenMessage()
    {
        var message = AnthropicInbound.FromOpenAiResponse(Fixture.Bytes("AnthropicInbound/response-tool.openai.json"), "claude-alias");

        Fixture.AssertJson("AnthropicInbound/response-tool.anthropic.json", message);
    }

    [Theory]
    [InlineData("stop", "end_turn")]
    [InlineData("length", "max_tokens")]
    [InlineData("content_filter", "refusal")]
    public void FromOpenAiResponse_FinishReason_MapsToStopReason(string finishReason, string stopReason)
    {
        var completion = $$"""{"id":"msg_1","choices":[{"index":0,"message":{"role":"assistant","content":"x"},"finish_reason":"{{finishReason}}"}]}""";

        var message = JsonNode.Parse(AnthropicInbound.FromOpenAiResponse(System.Text.Encoding.UTF8.GetBytes(completion), "m"))!;

        Assert.Equal(stopReason, (string?)message["stop_reason"]);
        Assert.Equal("msg_1", (string?)message["id"]);
    }

    [Fact]
    public void StreamTranslator_TextStream_EmitsExactAnthropicEventOrder()
    {
        var translator = AnthropicInbound.CreateStreamTranslator("claude-alias");

        var output = Fixture.Translate(translator, Fixture.Events("AnthropicInbound/stream-text.openai.sse"));

        Fixture.AssertEvents("AnthropicInbound/stream-text.anthropic.sse", output);
        Assert.Equal(
            ["message_start", "content_block_start", "ping", "content_block_delta", "content_block_delta", "content_block_stop", "message_delta", "message_stop"],
            output.Select(e => e.EventType));
        Assert.Equal(new TokenUsage(9, 2, 0, false), translator.Usage);
        Assert.True(translator.InputCompleted);
    }

    [Fact]
    public void StreamTranslator_TextThenParallelToolCalls_EmitsGoldenBlocks()
    {
        var translator = AnthropicInbound.CreateStreamTranslator("claude-alias");

        var output = Fixture.Translate(translator, Fixture.Events("AnthropicInbound/stream-tool.openai.sse"));

        Fixture.AssertEvents("AnthropicInbound/stream-tool.anthropic.sse", output);
        Assert.Equal(new TokenUsage(82, 17, 64, false), translator.Usage);
    }

    [Fact]
    public void StreamTranslator_OpenAiErrorEvent_EmitsAnthropicErrorAndStops()
    {
        var translator = AnthropicInbound.CreateStreamTranslator("claude-alias");

        var output = Fixture.Translate(translator, Fixture.Events("AnthropicInbound/stream-error.openai.sse"));

        Fixture.AssertEvents("AnthropicInbound/stream-error.anthropic.sse", output);
        Assert.False(translator.InputCompleted);
    }

    [Fact]
    public void StreamTranslator_EmptyInput_StillEmitsAWellFormedMessage()
    {
        var output = Fixture.Translate(AnthropicInbound.CreateStreamTranslator("m"), []);

        Assert.Equal(["message_start", "message_delta", "message_stop"], output.Select(e => e.EventType));
    }

    [Theory]
    [InlineData(400, "invalid_request_error")]
    [InlineData(401, "authentication_error")]
    [InlineData(403, "permission_error")]
    [InlineData(404, "not_found_error")]
    [InlineData(413, "request_too_large")]
    [InlineData(422, "invalid_request_error")]
    [InlineData(429, "rate_limit_error")]
    [InlineData(500, "api_error")]
    [InlineData(502, "api_error")]
    [InlineData(529, "overloaded_error")]
    public void ErrorType_Status_MapsToAnthropicType(int status, string type)
    {
        Assert.Equal(type, AnthropicInbound.ErrorType(status));
    }

    [Fact]
    public void Error_Body_IsAnthropicErrorShape()
    {
        var body = AnthropicInbound.Error(404, "model: not found", AnthropicInbound.ErrorType(404));

        Assert.Equal("""{"type":"error","error":{"type":"not_found_error","message":"model: not found"}}""", System.Text.Encoding.UTF8.GetString(body));
    }

    [Theory]
    [InlineData(404, """{"error":{"message":"The model `x` does not exist","type":"invalid_request_error","param":"model","code":"model_not_found"}}""", "not_found_error", "The model `x` does not exist")]
    [InlineData(429, """{"error":{"message":"slow down","type":"rate_limit_exceeded","param":null,"code":"channel_concurrency_limit"}}""", "rate_limit_error", "slow down")]
    [InlineData(502, """{"error":{"message":"upstream died","type":"upstream_error","param":null,"code":"upstream_http_500"}}""", "api_error", "upstream died")]
    [InlineData(503, "not json", "api_error", "The channel answered HTTP 503.")]
    public void FromOpenAiError_OpenAiEnvelope_BecomesAnthropicError(int status, string openAi, string type, string message)
    {
        var error = JsonNode.Parse(AnthropicInbound.FromOpenAiError(status, System.Text.Encoding.UTF8.GetBytes(openAi)))!;

        Assert.Equal("error", (string?)error["type"]);
        Assert.Equal(type, (string?)error["error"]!["type"]);
        Assert.Equal(message, (string?)error["error"]!["message"]);
    }
}
