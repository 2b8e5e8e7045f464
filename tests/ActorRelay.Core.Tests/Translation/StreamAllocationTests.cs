using ActorRelay.Core.Sse;
using ActorRelay.Core.Translation;

namespace ActorRelay.Core.Tests.Translation;

/// <summary>
/// Guards the hot path: translating one text delta allocates little more than the output event's own bytes
/// (no DOM, no per-chunk strings). Allocation counts are exact per thread, so the bound is deterministic.
/// </summary>
public sealed class StreamAllocationTests
{
    private const int Chunks = 1_000;

    public static TheoryData<string> Translators => ["anthropic", "gemini", "anthropic-inbound", "openai"];

    [Theory]
    [MemberData(nameof(Translators))]
    public void Translate_TextDelta_AllocatesLessThanHalfAKilobytePerChunk(string kind)
    {
        var (translator, delta) = Create(kind);
        var output = new List<SseEvent>(4);
        translator.Translate(delta, output); // first chunk: role chunk, block start, lazily grown buffers

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Chunks; i++)
        {
            output.Clear();
            translator.Translate(delta, output);
        }

        var perChunk = (GC.GetAllocatedBytesForCurrentThread() - before) / Chunks;
        Assert.Single(output);
        Assert.InRange(perChunk, 0, 512);
    }

    private static (IStreamTranslator Translator, SseEvent Delta) Create(string kind) => kind switch
    {
        "anthropic" => (
            new AnthropicProtocol(Fixture.Clock).CreateStreamTranslator("claude-alias"),
            new SseEvent("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" the weather \u2014 \"SF\"."}}"""u8.ToArray())),
        "gemini" => (
            new GeminiProtocol(Fixture.Clock).CreateStreamTranslator("gemini-alias"),
            new SseEvent(null, """{"candidates":[{"content":{"parts":[{"text":" of Germany"}],"role":"model"},"index":0}],"usageMetadata":{"promptTokenCount":12,"candidatesTokenCount":7,"totalTokenCount":19},"modelVersion":"gemini-2.5-flash","responseId":"resp-stream-1"}"""u8.ToArray())),
        "anthropic-inbound" => (
            AnthropicInbound.CreateStreamTranslator("claude-alias"),
            new SseEvent(null, """{"id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":" world"},"logprobs":null,"finish_reason":null}],"usage":null}"""u8.ToArray())),
        _ => (
            VendorProtocols.For(VendorProtocolKind.OpenAI).CreateStreamTranslator("gpt-alias"),
            new SseEvent(null, """{"id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":" world"},"logprobs":null,"finish_reason":null}],"usage":null}"""u8.ToArray())),
    };
}
