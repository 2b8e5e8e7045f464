using ActorRelay.Actors.Channels;
using ActorRelay.Core.Policy;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using Akka.Remote.Hosting;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ActorRelay.Benchmarks.Channels;

/// <summary>
/// One call's channel admission and release on a one-node cluster, composed as the gateway composes it: by an ask to
/// the sharded channel entity and a told release (the path before leases, and still the fallback), and on the node's
/// lease (the common path).
/// </summary>
[MemoryDiagnoser]
public class ChannelAdmissionBenchmarks
{
    private const string ChannelId = "bench";
    private static readonly CallOutcome Outcome = new(CallVerdict.Healthy, 200, 12, 100, 50);
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);

    private IHost _host = null!;
    private IActorRef _region = null!;
    private ChannelLeases _leases = null!;
    private long _call;

    [GlobalSetup]
    public async Task StartAsync()
    {
        _host = new HostBuilder().ConfigureServices(services =>
        {
            services.AddSingleton<IChannelDirectory>(new Directory());
            services.AddSingleton<ChannelLeases>();
            services.AddSingleton<IChannelHealthListener, NoHealth>();
            services.AddAkka("admission-bench", akka => akka
                .WithRemoting("127.0.0.1", 0)
                .WithClustering(new ClusterOptions())
                .AddChannelActor(new ShardOptions { StateStoreMode = StateStoreMode.DData, RememberEntities = false }));
        }).Build();
        await _host.StartAsync();
        var system = _host.Services.GetRequiredService<ActorSystem>();
        await Cluster.Get(system).JoinAsync(Cluster.Get(system).SelfAddress);
        _region = _host.Services.GetRequiredService<ActorRegistry>().Get<ChannelActor>();
        _leases = _host.Services.GetRequiredService<ChannelLeases>();
        while (!OnTheNodesLease())
        {
            await Task.Delay(50);
        }
    }

    [GlobalCleanup]
    public async Task StopAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }

    [Benchmark(Baseline = true)]
    public async Task<bool> AskTheEntity()
    {
        var requestId = $"ask-{_call++}";
        var reply = await _region.Ask<object>(new ChannelCommands.Admit(ChannelId, requestId, 90, 150), AskTimeout);
        _region.Tell(new ChannelCommands.Release(ChannelId, requestId, Outcome));
        return reply is ChannelCommands.Admitted;
    }

    [Benchmark]
    public bool OnTheNodesLease()
    {
        var admission = _leases.TryAdmit(ChannelId, "lease", 150, 90);
        if (admission.Lease is { } lease)
        {
            _leases.Release(lease, 150, Outcome);
            return true;
        }

        return false;
    }

    private sealed class Directory : IChannelDirectory
    {
        private readonly ChannelPolicy _policy = new(1_000, new CircuitBreakerOptions(), null);

        public ChannelPolicy? Policy(string channelId) => _policy;
    }

    private sealed class NoHealth : IChannelHealthListener
    {
        public void Update(ChannelHealth health)
        {
        }
    }
}
