using ActorRelay.Core.Pricing;
using ActorRelay.Core.Protocol;
using BenchmarkDotNet.Attributes;

namespace ActorRelay.Benchmarks.Pricing;

[MemoryDiagnoser]
public class PriceTableBenchmarks
{
    private readonly PriceTable _table = new("bench", Enumerable.Range(0, 200)
        .Select(i => KeyValuePair.Create($"model-{i}", new ModelPrice { InputPerMillion = 0.15m + i, OutputPerMillion = 0.60m + i })));

    [Benchmark]
    public PricedCost Price() => _table.Price("openai", "MODEL-137", new TokenUsage(1_234, 567, 100, false));
}
