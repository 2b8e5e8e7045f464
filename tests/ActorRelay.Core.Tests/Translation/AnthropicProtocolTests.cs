using System.Text;
using System.Text.Json.Nodes;
using ActorRelay.Core.Protocol;
using ActorRelay.Core.Sse;
using ActorRelay.Core.Translation;

namespace ActorRelay.Core.Tests.Translation;

public sealed class AnthropicProtocolTests
{
    private readonly AnthropicProtocol _protocol = new(Fixture.Clock);

    [Fact]
    public void BuildRequest_ChatWithSystemAndJsonMode_MatchesGoldenRequest()
    {
        var request = _protocol.BuildRequest(Fixture.Json("Anthropic/request-chat.openai.json"), "claude-sonnet-4-5", stream: true);

        Assert.Equal("messages", request.RelativePath);
        Assert.Equal([new KeyValuePair<string, string>("anthropic-version", "2023-06-01")], request.Headers);
        Fixture.AssertJson("Anthropic/request-chat.anthropic.json", request.Body);
    }

    [Fact]
    public void BuildRequest_ToolsImagesAndToolResults_MatchesGoldenRequest()
    {
        var request = _protocol.BuildRequest(Fixture.Json("Anthropic/request-tools.openai.json"), "claude-sonnet-4-5", stream: false);

        Fixture.AssertJson("Anthropic/request-tools.anthropic.json", request.Body);
    }

    [Fact]
    public void BuildRequest_NoMaxTokens_DefaultsTo4096AndLeavesInputUntouched()
    {
        var openAi = new JsonObject { ["model"] = "m", ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "hi" }) };
        var before = openAi.ToJsonString();

        var body = JsonNode.Parse(_protocol.BuildRequest(openAi, "claude-haiku-4-5", stream: false).Body)!;

        Assert.Equal(4096, (int)body["max_tokens"]!);
        Assert.False(body.AsObject().ContainsKey("stream"));
        Assert.Equal(before, openAi.ToJsonString());
    }

    [Fact]
    public void BuildRequest_JsonSchemaResponseFormat_AddsSchemaInstructionToSystem()
    {
        var openAi = JsonNode.Parse("""
            {"model":"m","messages":[{"role":"user","content":"hi"}],
             "response_format":{"type":"json_schema","json_schema":{"name":"answer","schema":{"type":"object","properties":{"a":{"type":"string"}}}}}}
            """)!.AsObject();

        var body = JsonNode.Parse(_protocol.BuildRequest(openAi, "claude", stream: false).Body)!;

        Assert.Equal(
            "Respond only with a single valid JSON value that conforms to the JSON schema \"answer\" below, with no text before or after it.\n{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}}}",
            (string?)body["system"]);
    }

    [Theory]
    [InlineData("""{"model":"m","n":2,"messages":[{"role":"user","content":"hi"}]}""", "'n'")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{"data":"AA==","format":"wav"}}]}]}""", "input_audio")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"ftp://x/y.png"}}]}]}""", "http(s)")]
    [InlineData("""{"model":"m","messages":[{"role":"function","content":"x"}]}""", "function")]
    [InlineData("""{"model":"m","messages":[{"role":"assistant","tool_calls":[{"id":"1","function":"oops"}]}]}""", "function.name")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":{"type":"function"}}""", "tool_choice")]
    public void BuildRequest_Untranslatable_ThrowsTranslationException(string openAi, string mentioned)
    {
        var exception = Assert.Throws<TranslationException>(() => _protocol.BuildRequest(JsonNode.Parse(openAi)!.AsObject(), "claude", stream: false));

        Assert.Contains(mentioned, exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("text")]
    [InlineData("tool")]
    public void TranslateResponse_Message_MatchesGoldenCompletion(string fixture)
    {
        var completion = _protocol.TranslateResponse(Fixture.Bytes($"Anthropic/response-{fixture}.anthropic.json"), "claude-alias");

        Fixture.AssertJson($"Anthropic/response-{fixture}.openai.json", completion);
    }

    [Fact]
    public void TranslateResponse_NotAMessage_ThrowsTranslationException()
    {
        Assert.Throws<TranslationException>(() => _protocol.TranslateResponse("""{"type":"error"}"""u8, "m"));
        Assert.Throws<TranslationException>(() => _protocol.TranslateResponse("<html>"u8, "m"));
    }

    [Fact]
    public void StreamTranslator_TextStream_EmitsGoldenChunksAndCachedUsage()
    {
        var translator = _protocol.CreateStreamTranslator("claude-alias");

        var output = Fixture.Translate(translator, Fixture.Events("Anthropic/stream-text.anthropic.sse"));

        Fixture.AssertEvents("Anthropic/stream-text.openai.sse", output);
        Assert.Equal(new TokenUsage(35, 15, 10, false), translator.Usage);
        Assert.True(translator.InputCompleted);
    }

    [Fact]
    public void StreamTranslator_ThinkingTextAndToolUse_EmitsGoldenToolCallDeltas()
    {
        var translator = _protocol.CreateStreamTranslator("claude-alias");

        var output = Fixture.Translate(translator, Fixture.Events("Anthropic/stream-tool.anthropic.sse"));

        Fixture.AssertEvents("Anthropic/stream-tool.openai.sse", output);
        Assert.Equal(new TokenUsage(472, 89, 0, false), translator.Usage);
    }

    [Fact]
    public void StreamTranslator_ErrorEvent_EmitsOpenAiErrorAndNoDone()
    {
        var translator = _protocol.CreateStreamTranslator("claude-alias");

        var output = Fixture.Translate(translator, Fixture.Events("Anthropic/stream-error.anthropic.sse"));

        Fixture.AssertEvents("Anthropic/stream-error.openai.sse", output);
        Assert.False(translator.InputCompleted);
    }

    [Fact]
    public void StreamTranslator_BeforeMessageStart_UsageIsNull()
    {
        Assert.Null(_protocol.CreateStreamTranslator("m").Usage);
    }

    [Fact]
    public void StreamTranslator_MalformedEvent_ThrowsInvalidData()
    {
        var translator = _protocol.CreateStreamTranslator("m");

        Assert.Throws<InvalidDataException>(() => translator.Translate(new SseEvent("content_block_delta", "{\"index\":"u8.ToArray()), []));
    }

    [Theory]
    [InlineData(429)]
    [InlineData(529)]
    public void TranslateError_AnthropicErrorBody_MatchesGoldenEnvelope(int status)
    {
        var envelope = _protocol.TranslateError(status, Fixture.Bytes($"Anthropic/error-{status}.anthropic.json"));

        Fixture.AssertJson($"Anthropic/error-{status}.openai.json", envelope);
    }

    [Fact]
    public void TranslateError_UnreadableBody_QuotesStatusAndBody()
    {
        var envelope = JsonNode.Parse(_protocol.TranslateError(502, "<html>Bad gateway</html>"u8))!["error"]!;

        Assert.Equal("The vendor answered HTTP 502: <html>Bad gateway</html>", (string?)envelope["message"]);
        Assert.Equal("server_error", (string?)envelope["type"]);
        Assert.Null(envelope["code"]);
        Assert.Equal("The vendor answered HTTP 401.", (string?)JsonNode.Parse(_protocol.TranslateError(401, []))!["error"]!["message"]);
        Assert.Contains("\"type\":\"authentication_error\"", Encoding.UTF8.GetString(_protocol.TranslateError(401, [])), StringComparison.Ordinal);
    }
}
