using System.Text;
using ActorRelay.Core.Protocol;
using ActorRelay.Core.Translation;

namespace ActorRelay.Core.Tests.Translation;

public sealed class OpenAiProtocolTests
{
    private readonly IVendorProtocol _protocol = VendorProtocols.For(VendorProtocolKind.OpenAI);

    [Fact]
    public void BuildRequest_Stream_ReplacesModelForcesUsageAndKeepsEverythingElse()
    {
        var request = _protocol.BuildRequest(Fixture.Json("OpenAI/request.openai.json"), "gpt-4o-mini-2024-07-18", stream: true);

        Assert.Equal("chat/completions", request.RelativePath);
        Assert.Empty(request.Headers);
        Fixture.AssertJson("OpenAI/request-stream.vendor.json", request.Body);
    }

    [Fact]
    public void BuildRequest_NonStream_DropsStreamOptions()
    {
        var request = _protocol.BuildRequest(Fixture.Json("OpenAI/request.openai.json"), "gpt-4o-mini-2024-07-18", stream: false);

        Fixture.AssertJson("OpenAI/request-nonstream.vendor.json", request.Body);
    }

    [Fact]
    public void TranslateResponse_AnyBody_IsReturnedAsIs()
    {
        var body = Fixture.Bytes("AnthropicInbound/response-tool.openai.json");

        Assert.Equal(body, _protocol.TranslateResponse(body, "ignored"));
    }

    [Fact]
    public void StreamTranslator_CompleteStream_PassesEventsThroughAndReadsUsage()
    {
        var input = Fixture.Events("AnthropicInbound/stream-tool.openai.sse");
        var translator = _protocol.CreateStreamTranslator("m");

        var output = Fixture.Translate(translator, input);

        Assert.Equal(input, output);
        Assert.Equal(new TokenUsage(82, 17, 64, false), translator.Usage);
        Assert.True(translator.InputCompleted);
    }

    [Fact]
    public void StreamTranslator_EndsWithoutDone_CompleteAddsDone()
    {
        var input = Fixture.Events("AnthropicInbound/stream-tool.openai.sse");
        var translator = _protocol.CreateStreamTranslator("m");

        var output = Fixture.Translate(translator, input.Take(3));

        Assert.Equal(4, output.Count);
        Assert.True(output[^1].IsDone);
        Assert.False(translator.InputCompleted);
        Assert.Null(translator.Usage);
    }

    [Fact]
    public void StreamTranslator_ErrorEvent_PassesItAndAddsNoDone()
    {
        var input = Fixture.Events("AnthropicInbound/stream-error.openai.sse");

        var output = Fixture.Translate(_protocol.CreateStreamTranslator("m"), input);

        Assert.Equal(input, output);
    }

    [Fact]
    public void TranslateError_OpenAiEnvelope_IsReturnedAsIs()
    {
        var body = """{"error":{"message":"Incorrect API key provided.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}"""u8.ToArray();

        Assert.Equal(body, _protocol.TranslateError(401, body));
        Assert.Contains("HTTP 500: oops", Encoding.UTF8.GetString(_protocol.TranslateError(500, "oops"u8)), StringComparison.Ordinal);
    }

    [Fact]
    public void For_EachKind_ReturnsAdapterOfThatKind()
    {
        Assert.All(Enum.GetValues<VendorProtocolKind>(), kind => Assert.Equal(kind, VendorProtocols.For(kind).Kind));
        Assert.Throws<ArgumentOutOfRangeException>(() => VendorProtocols.For((VendorProtocolKind)42));
    }
}
