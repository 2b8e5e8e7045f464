using System.Text;
using ActorRelay.Actors.Streaming;
using ActorRelay.Core.Sse;
using Akka.Actor;
using Akka.Streams;
using BenchmarkDotNet.Attributes;

namespace ActorRelay.Benchmarks.Sse;

/// <summary>
/// One stream's relay as the gateway runs it (prepared, then given the vendor's body): the simulated vendor's 16-token
/// answer (18 events, ~4.3 KB) from memory to a handler that takes the events at once. What it measures is the relay's
/// own cost per stream (giving it a graph, the turns of the thread pool, reading and parsing), one stream at a time
/// and 32 at once as under the load benchmark's stream scenario.
/// </summary>
[MemoryDiagnoser]
public class SseRelayBenchmarks
{
    private const int Concurrent = 32;
    private static readonly Func<IReadOnlyList<SseEvent>, Task> Handler = static _ => Task.CompletedTask;
    private readonly Task[] _relays = new Task[Concurrent];
    private ActorSystem _system = null!;
    private SseRelay _relay = null!;
    private byte[] _wire = [];

    [GlobalSetup]
    public void Setup()
    {
        _system = ActorSystem.Create("bench");
        _relay = new SseRelay(_system.Materializer());
        var builder = new StringBuilder();
        for (var i = 0; i < 16; i++)
        {
            builder.Append("data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"sim-small\",")
                .Append("\"choices\":[{\"index\":0,\"delta\":{\"content\":\"token").Append(i).Append(" \"},\"finish_reason\":null}],\"usage\":null}\n\n");
        }

        builder.Append("data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"sim-small\",\"choices\":[],")
            .Append("\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":16,\"total_tokens\":28}}\n\n")
            .Append("data: [DONE]\n\n");
        _wire = Encoding.UTF8.GetBytes(builder.ToString());
    }

    [GlobalCleanup]
    public void Cleanup() => _system.Terminate().Wait();

    [Benchmark]
    public Task OneStream() => RelayAsync();

    [Benchmark(OperationsPerInvoke = Concurrent)]
    public Task StreamsAtOnce()
    {
        for (var i = 0; i < Concurrent; i++)
        {
            _relays[i] = RelayAsync();
        }

        return Task.WhenAll(_relays);
    }

    private async Task RelayAsync()
    {
        await using var prepared = _relay.Prepare(CancellationToken.None);
        await Task.Yield(); // the vendor's time to first byte: the graph starts meanwhile
        await prepared.RunAsync(new MemoryStream(_wire, writable: false), Handler);
    }
}
