using System.Text;
using ActorRelay.Core.Sse;
using BenchmarkDotNet.Attributes;

namespace ActorRelay.Benchmarks.Sse;

/// <summary>Parsing a typical OpenAI stream (one content token per chunk) as it arrives in 16 KiB reads.</summary>
[MemoryDiagnoser]
public class SseParserBenchmarks
{
    private const int Chunks = 256;
    private readonly List<SseEvent> _events = new(Chunks + 1);
    private byte[] _wire = [];

    [GlobalSetup]
    public void Setup()
    {
        var builder = new StringBuilder();
        for (var i = 0; i < Chunks; i++)
        {
            builder.Append("data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",")
                .Append("\"choices\":[{\"index\":0,\"delta\":{\"content\":\"token").Append(i).Append(" \"},\"finish_reason\":null}],\"usage\":null}\n\n");
        }

        builder.Append("data: [DONE]\n\n");
        _wire = Encoding.UTF8.GetBytes(builder.ToString());
    }

    [Benchmark(OperationsPerInvoke = Chunks)]
    public int ParsePerChunk()
    {
        var parser = new SseParser();
        _events.Clear();
        for (var offset = 0; offset < _wire.Length; offset += 16 * 1024)
        {
            parser.Parse(_wire.AsMemory(offset, Math.Min(16 * 1024, _wire.Length - offset)), _events);
        }

        return _events.Count;
    }

    [Benchmark(OperationsPerInvoke = Chunks)]
    public int ParseAndReframePerChunk()
    {
        var parser = new SseParser();
        _events.Clear();
        parser.Parse(_wire, _events);
        var bytes = 0;
        foreach (var sse in _events)
        {
            bytes += sse.ToWireBytes().Length;
        }

        return bytes;
    }
}
