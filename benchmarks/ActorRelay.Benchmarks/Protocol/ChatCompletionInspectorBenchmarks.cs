using ActorRelay.Core.Protocol;
using BenchmarkDotNet.Attributes;

namespace ActorRelay.Benchmarks.Protocol;

/// <summary>Reading usage and content size from every relayed chunk: runs once per streamed token.</summary>
[MemoryDiagnoser]
public class ChatCompletionInspectorBenchmarks
{
    private static readonly byte[] DeltaChunk =
        """{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"hello "},"logprobs":null,"finish_reason":null}],"usage":null}"""u8.ToArray();

    private static readonly byte[] UsageChunk =
        """{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":300,"total_tokens":312,"prompt_tokens_details":{"cached_tokens":0}}}"""u8.ToArray();

    [Benchmark(Baseline = true)]
    public ChatCompletionFacts DeltaChunkFacts() => ChatCompletionInspector.Inspect(DeltaChunk);

    [Benchmark]
    public ChatCompletionFacts UsageChunkFacts() => ChatCompletionInspector.Inspect(UsageChunk);
}
