using System.Text.Json.Nodes;
using ActorRelay.Core.Protocol;
using BenchmarkDotNet.Attributes;
using Microsoft.ML.Tokenizers;

namespace ActorRelay.Benchmarks.Protocol;

/// <summary>
/// Counting a prompt's tokens (per call when a tokens-per-minute limit applies, and for every call whose vendor reported
/// no usage): the gateway's compact encoder against Microsoft.ML.Tokenizers' tokenizer of the same encoding, which keeps
/// a cache of the words it has seen (warm here, as in a process that has counted the same words before).
/// </summary>
[MemoryDiagnoser]
public class TokenCountingBenchmarks
{
    private static readonly string Text = string.Concat(Enumerable.Repeat(
        "You are a helpful assistant. Summarise the following report in three bullet points, quoting figures exactly: "
        + "revenue grew 12.5% to $4,210,000 in Q3 2026; the naïve café chain opened 17 stores (日本 3, Deutschland 5). ", 20));

    private static readonly JsonObject Prompt = JsonNode.Parse(
        $$"""{"model":"gpt-4o-mini","messages":[{"role":"system","content":"You are terse."},{"role":"user","content":{{JsonValue.Create(Text).ToJsonString()}}}]}""")!.AsObject();

    private readonly Tokenizer _reference = TiktokenTokenizer.CreateForEncoding("o200k_base");

    [GlobalSetup]
    public void Load() => _ = TokenEstimator.Default.Count(Text) + _reference.CountTokens(Text);

    [Benchmark(Baseline = true)]
    public int Library() => _reference.CountTokens(Text);

    [Benchmark]
    public int Gateway() => TokenEstimator.Default.Count(Text);

    [Benchmark]
    public long GatewayPrompt() => TokenEstimator.Default.CountPrompt(Prompt);
}
