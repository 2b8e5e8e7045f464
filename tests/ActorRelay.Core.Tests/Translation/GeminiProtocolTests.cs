using System.Text.Json.Nodes;
using ActorRelay.Core.Protocol;
using ActorRelay.Core.Sse;
using ActorRelay.Core.Translation;

namespace ActorRelay.Core.Tests.Translation;

public sealed class GeminiProtocolTests
{
    private readonly GeminiProtocol _protocol = new(Fixture.Clock);

    [Fact]
    public void BuildRequest_ChatWithJsonSchema_MatchesGoldenRequest()
    {
        var request = _protocol.BuildRequest(Fixture.Json("Gemini/request-chat.openai.json"), "gemini-2.5-flash", stream: false);

        Assert.Equal("models/gemini-2.5-flash:generateContent", request.RelativePath);
        Assert.Empty(request.Headers);
        Fixture.AssertJson("Gemini/request-chat.gemini.json", request.Body);
    }

    [Fact]
    public void BuildRequest_ToolsMediaAndFunctionResponses_MatchesGoldenRequest()
    {
        var request = _protocol.BuildRequest(Fixture.Json("Gemini/request-tools.openai.json"), "models/gemini-2.5-flash", stream: true);

        Assert.Equal("models/gemini-2.5-flash:streamGenerateContent?alt=sse", request.RelativePath);
        Fixture.AssertJson("Gemini/request-tools.gemini.json", request.Body);
    }

    [Fact]
    public void BuildRequest_JsonObjectMode_SetsResponseMimeTypeOnly()
    {
        var openAi = JsonNode.Parse("""{"model":"m","messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_object"}}""")!.AsObject();

        var body = JsonNode.Parse(_protocol.BuildRequest(openAi, "gemini", stream: false).Body)!;

        Assert.Equal("""{"responseMimeType":"application/json"}""", body["generationConfig"]!.ToJsonString());
    }

    [Fact]
    public void BuildRequest_ToolResultForUnknownCall_ThrowsTranslationException()
    {
        var openAi = JsonNode.Parse("""{"model":"m","messages":[{"role":"user","content":"hi"},{"role":"tool","tool_call_id":"call_9","content":"x"}]}""")!.AsObject();

        var exception = Assert.Throws<TranslationException>(() => _protocol.BuildRequest(openAi, "gemini", stream: false));

        Assert.Contains("call_9", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("text")]
    [InlineData("tool")]
    [InlineData("blocked")]
    public void TranslateResponse_GenerateContentResponse_MatchesGoldenCompletion(string fixture)
    {
        var completion = _protocol.TranslateResponse(Fixture.Bytes($"Gemini/response-{fixture}.gemini.json"), "gemini-alias");

        Fixture.AssertJson($"Gemini/response-{fixture}.openai.json", completion);
    }

    [Theory]
    [InlineData("MAX_TOKENS", "length")]
    [InlineData("SAFETY", "content_filter")]
    [InlineData("RECITATION", "content_filter")]
    [InlineData("OTHER", "stop")]
    public void TranslateResponse_FinishReason_MapsToOpenAi(string finishReason, string expected)
    {
        var body = $$"""{"candidates":[{"content":{"parts":[{"text":"x"}],"role":"model"},"finishReason":"{{finishReason}}"}]}""";

        var completion = JsonNode.Parse(_protocol.TranslateResponse(System.Text.Encoding.UTF8.GetBytes(body), "m"))!;

        Assert.Equal(expected, (string?)completion["choices"]![0]!["finish_reason"]);
        Assert.StartsWith("chatcmpl-", (string?)completion["id"], StringComparison.Ordinal);
    }

    [Fact]
    public void TranslateResponse_NotAResponse_ThrowsTranslationException()
    {
        Assert.Throws<TranslationException>(() => _protocol.TranslateResponse("""{"error":{"code":500}}"""u8, "m"));
    }

    [Fact]
    public void StreamTranslator_TextStream_EmitsGoldenChunksWithLastUsage()
    {
        var translator = _protocol.CreateStreamTranslator("gemini-alias");

        var output = Fixture.Translate(translator, Fixture.Events("Gemini/stream-text.gemini.sse"));

        Fixture.AssertEvents("Gemini/stream-text.openai.sse", output);
        Assert.Equal(new TokenUsage(12, 8, 0, false), translator.Usage);
        Assert.True(translator.InputCompleted);
    }

    [Fact]
    public void StreamTranslator_FunctionCalls_EmitsGoldenToolCallDeltasWithSyntheticIds()
    {
        var translator = _protocol.CreateStreamTranslator("gemini-alias");

        var output = Fixture.Translate(translator, Fixture.Events("Gemini/stream-tool.gemini.sse"));

        Fixture.AssertEvents("Gemini/stream-tool.openai.sse", output);
        Assert.Equal(new TokenUsage(70, 50, 0, false), translator.Usage);
    }

    [Fact]
    public void StreamTranslator_ErrorChunk_EmitsOpenAiErrorAndNoDone()
    {
        var translator = _protocol.CreateStreamTranslator("gemini-alias");

        var output = Fixture.Translate(translator, Fixture.Events("Gemini/stream-error.gemini.sse"));

        Fixture.AssertEvents("Gemini/stream-error.openai.sse", output);
        Assert.False(translator.InputCompleted);
        Assert.Null(translator.Usage);
    }

    [Fact]
    public void StreamTranslator_EndsWithoutFinishReason_CompleteAddsFinishUsageAndDone()
    {
        var translator = _protocol.CreateStreamTranslator("gemini-alias");
        var events = Fixture.Events("Gemini/stream-text.gemini.sse");

        var output = Fixture.Translate(translator, events.Take(2));

        Assert.False(translator.InputCompleted);
        Assert.Equal(6, output.Count); // role, 2 deltas, finish, usage, [DONE]
        Assert.Equal("stop", (string?)JsonNode.Parse(output[3].Data.Span)!["choices"]![0]!["finish_reason"]);
        Assert.True(output[^1].IsDone);
        Assert.Equal(new TokenUsage(12, 7, 0, false), translator.Usage);
    }

    [Fact]
    public void StreamTranslator_MalformedChunk_ThrowsInvalidData()
    {
        Assert.Throws<InvalidDataException>(() => _protocol.CreateStreamTranslator("m").Translate(new SseEvent(null, "{\"candidates\":[{"u8.ToArray()), []));
    }

    [Theory]
    [InlineData(400)]
    [InlineData(429)]
    public void TranslateError_GoogleErrorBody_MatchesGoldenEnvelope(int status)
    {
        var envelope = _protocol.TranslateError(status, Fixture.Bytes($"Gemini/error-{status}.gemini.json"));

        Fixture.AssertJson($"Gemini/error-{status}.openai.json", envelope);
    }
}
