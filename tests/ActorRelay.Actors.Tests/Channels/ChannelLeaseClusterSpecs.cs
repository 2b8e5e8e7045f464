using System.Collections.Concurrent;
using ActorRelay.Actors.Channels;
using ActorRelay.Actors.Serialization;
using ActorRelay.Core;
using ActorRelay.Core.Policy;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using Akka.Remote.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ActorRelay.Actors.Tests.Channels;

/// <summary>
/// Two nodes (two ActorSystems on 127.0.0.1, one cluster) admit calls over one sharded channel the way the gateway
/// does: on the node's lease when it can, else by an ask to the entity, whose messages cross the wire through
/// ActorRelay's serializer. The channel entity lives on the first node.
/// </summary>
public sealed class ChannelLeaseClusterSpecs
{
    private const string ChannelId = "shared";
    private readonly SharedConfig _directory = new();

    [Fact]
    public async Task Admission_OnTwoNodesOverloaded_NeverExceedsMaxConcurrencyClusterWide_AndStatsAddUp()
    {
        _directory.Policy = new ChannelPolicy(12, new CircuitBreakerOptions(), null);
        await using var first = await Node.StartAsync(_directory, null);
        await using var second = await Node.StartAsync(_directory, first.Address);

        var load = await RunLoadAsync(first, second, workersPerNode: 16, TimeSpan.FromSeconds(3));

        Assert.InRange(load.Peak, 1, 12);
        Assert.True(load.Local[0] > 0 && load.Local[1] > 0, $"both nodes admit on their leases ({load.Local[0]} of {load.Admitted[0]}, {load.Local[1]} of {load.Admitted[1]})");
        await AssertEventuallyAsync(async () =>
        {
            var stats = await first.StatsAsync();
            Assert.Equal(0, stats.InFlight);
            Assert.Equal(load.Admitted.Sum(), stats.Admitted);
            Assert.Equal(load.Admitted.Sum(), stats.Succeeded);
        });
    }

    [Fact]
    public async Task Admission_OnTwoNodesWithinTheLimit_IsServedMostlyFromEachNodesLease()
    {
        _directory.Policy = new ChannelPolicy(12, new CircuitBreakerOptions(), null);
        await using var first = await Node.StartAsync(_directory, null);
        await using var second = await Node.StartAsync(_directory, first.Address);

        var load = await RunLoadAsync(first, second, workersPerNode: 4, TimeSpan.FromSeconds(3));

        Assert.InRange(load.Peak, 1, 8);
        for (var node = 0; node < 2; node++)
        {
            Assert.True(load.Local[node] * 2 > load.Admitted[node], $"node {node} admits most calls on its lease ({load.Local[node]} of {load.Admitted[node]})");
        }
    }

    [Fact]
    public async Task Admission_WhoseAskReachesTheEntityAfterTheNodesFirstReport_IsAdmittedOnTheSlice_AndTheLimitHolds()
    {
        _directory.Policy = new ChannelPolicy(1, new CircuitBreakerOptions(), null);
        await using var node = await Node.StartAsync(_directory, null);

        // The first call finds no lease and wakes the node's holder, whose report here is answered before the call's ask
        // reaches the entity: the one slot is then reserved for the node, and the entity refuses the ask.
        Assert.Null(node.TryAdmitOnLease("first", 60, 10));
        await AssertEventuallyAsync(() =>
        {
            Assert.NotNull(node.Health.Last);
            return Task.CompletedTask;
        });
        var asked = await node.AskAsync("first", 60, 10);
        Assert.Equal(RejectionReason.ConcurrencyLimit, asked.Rejection?.Reason);

        var first = await node.SecondChanceAsync(asked);
        Assert.True(first.Admitted, "the call gets the slot its node's report reserved");
        Assert.NotNull(first.Lease);
        var second = await node.AdmitAsync("second", 60, 10);
        Assert.Equal(RejectionReason.ConcurrencyLimit, second.Rejection?.Reason);

        // The entity's stats count the first call admitted, not refused: one refusal, the second call's.
        await AssertEventuallyAsync(async () =>
        {
            var stats = await node.StatsAsync();
            Assert.Equal((1, 1), (stats.Admitted, stats.Rejected));
        });

        node.Release(first, Healthy);
        await AssertEventuallyAsync(async () => Assert.True((await node.AdmitAsync($"third-{Guid.NewGuid():N}", 60, 10)).Admitted));
    }

    [Fact]
    public async Task BreakerTrip_OnOneNode_RevokesTheLeasesOfBothNodes()
    {
        _directory.Policy = new ChannelPolicy(50, new CircuitBreakerOptions { ConsecutiveFailures = 3, BreakDuration = TimeSpan.FromSeconds(30), MaxBreakDuration = TimeSpan.FromSeconds(30) }, null);
        await using var first = await Node.StartAsync(_directory, null);
        await using var second = await Node.StartAsync(_directory, first.Address);
        await first.AdmitOnLeaseAsync();
        await second.AdmitOnLeaseAsync();

        for (var i = 0; i < 3; i++)
        {
            var admission = await first.AdmitAsync($"failing-{i}", 60, 10);
            Assert.True(admission.Admitted);
            first.Release(admission, new CallOutcome(CallVerdict.Failed, 503, 5, 0, 0));
        }

        foreach (var node in new[] { first, second })
        {
            await AssertEventuallyAsync(() =>
            {
                Assert.Equal(CircuitState.Open, node.Health.Last?.Circuit);
                return Task.CompletedTask;
            });
            for (var i = 0; i < 20; i++)
            {
                var admission = await node.AdmitAsync($"shed-{node.Address.Port}-{i}", 60, 10);
                Assert.Equal(RejectionReason.CircuitOpen, admission.Rejection?.Reason);
            }
        }
    }

    [Fact]
    public async Task NodeThatDies_FreesItsLeasedSlotsAfterTheLease_WhileALiveNodeKeepsThem()
    {
        _directory.Policy = new ChannelPolicy(6, new CircuitBreakerOptions(), null);
        await using var first = await Node.StartAsync(_directory, null);
        var second = await Node.StartAsync(_directory, first.Address);
        try
        {
            var held = await second.HoldAsync(6, leaseSeconds: 2);
            var onLease = held.Count(admission => admission.Lease is not null);
            Assert.True(onLease > 0, "the second node holds slots on its lease");

            // Its per-call leases (2 s) lapse, but the slots of its lease stay counted while it keeps renewing.
            await Task.Delay(TimeSpan.FromSeconds(3.5));
            var whileAlive = await first.AdmitAllAsync("alive", 60);
            Assert.InRange(whileAlive.Count, 0, 6 - onLease);

            await second.DisposeAsync();
            await AssertEventuallyAsync(async () =>
            {
                whileAlive.AddRange(await first.AdmitAllAsync($"after-{whileAlive.Count}", 60));
                Assert.Equal(6, whileAlive.Count);
            }, seconds: 15);
        }
        finally
        {
            await second.DisposeAsync();
        }
    }

    [Fact]
    public async Task NodeThatLeaves_GivesItsSliceBack_WithoutWaitingForTheLeaseToExpire()
    {
        _directory.Policy = new ChannelPolicy(6, new CircuitBreakerOptions(), null);
        await using var first = await Node.StartAsync(_directory, null);
        var second = await Node.StartAsync(_directory, first.Address);
        await second.AdmitOnLeaseAsync();
        var held = await second.HoldAsync(1, leaseSeconds: 60);
        var admitted = await first.AdmitAllAsync("before", 60);
        Assert.InRange(admitted.Count, 0, 5);
        second.Release(held[0], Healthy);

        await second.DisposeAsync();

        // The second node's slice is free long before its 60 s lease would have expired.
        await AssertEventuallyAsync(async () =>
        {
            admitted.AddRange(await first.AdmitAllAsync($"after-{admitted.Count}", 60));
            Assert.Equal(6, admitted.Count);
        }, seconds: 5);
    }

    private static readonly CallOutcome Healthy = new(CallVerdict.Healthy, 200, 3, 5, 5);

    /// <summary>Workers on both nodes call in a loop (each call in flight for 1-5 ms) and count what got in, and where.</summary>
    private static async Task<Load> RunLoadAsync(Node first, Node second, int workersPerNode, TimeSpan duration)
    {
        var load = new Load();
        using var stop = new CancellationTokenSource(duration);
        async Task WorkAsync(Node node, int index, int worker)
        {
            var call = 0;
            while (!stop.IsCancellationRequested)
            {
                var admission = await node.AdmitAsync($"{index}-{worker}-{call++}", 60, 10);
                if (!admission.Admitted)
                {
                    await Task.Delay(1);
                    continue;
                }

                InterlockedMax(ref load.Peak, Interlocked.Increment(ref load.InFlight));
                Interlocked.Increment(ref load.Admitted[index]);
                if (admission.Lease is not null)
                {
                    Interlocked.Increment(ref load.Local[index]);
                }

                await Task.Delay(Random.Shared.Next(1, 6));
                Interlocked.Decrement(ref load.InFlight);
                node.Release(admission, Healthy);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, workersPerNode).SelectMany(worker => new[] { WorkAsync(first, 0, worker), WorkAsync(second, 1, worker) }));
        return load;
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    private static async Task AssertEventuallyAsync(Func<Task> assertion, int seconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            try
            {
                await assertion();
                return;
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    private sealed class Load
    {
        public readonly int[] Admitted = new int[2];
        public readonly int[] Local = new int[2];
        public int InFlight;
        public int Peak;
    }

    private readonly record struct Admission(ChannelLease? Lease, ChannelCommands.Rejected? Rejection, string RequestId, long Tokens)
    {
        public bool Admitted => Rejection is null;
    }

    /// <summary>One gateway node's worth of channel machinery, composed as the gateway composes it.</summary>
    private sealed class Node : IAsyncDisposable
    {
        private readonly IHost _host;
        private readonly ChannelLeases _leases;
        private readonly IActorRef _region;
        private bool _disposed;

        private Node(IHost host)
        {
            _host = host;
            _leases = host.Services.GetRequiredService<ChannelLeases>();
            _region = host.Services.GetRequiredService<ActorRegistry>().Get<ChannelActor>();
            Health = (HealthLog)host.Services.GetRequiredService<IChannelHealthListener>();
            Address = Cluster.Get(host.Services.GetRequiredService<ActorSystem>()).SelfAddress;
        }

        public Address Address { get; }

        public HealthLog Health { get; }

        public static async Task<Node> StartAsync(IChannelDirectory directory, Address? seed)
        {
            var host = new HostBuilder().ConfigureServices(services =>
            {
                services.AddSingleton(directory);
                services.AddSingleton<ChannelLeases>();
                services.AddSingleton<IChannelHealthListener, HealthLog>();
                services.AddAkka("channel-lease-specs", akka => akka
                    .WithCustomSerializer(ActorRelaySerializer.SerializerName, [typeof(IActorRelayMessage)], system => new ActorRelaySerializer(system))
                    .WithRemoting("127.0.0.1", 0)
                    .WithClustering(new ClusterOptions())
                    .AddChannelActor(new ShardOptions { StateStoreMode = StateStoreMode.DData, RememberEntities = false }));
            }).Build();
            await host.StartAsync();
            var node = new Node(host);
            var cluster = Cluster.Get(host.Services.GetRequiredService<ActorSystem>());
            await cluster.JoinAsync(seed ?? node.Address);
            if (seed is null)
            {
                // The first node hosts the channel entity: it is the only node when the entity starts.
                await node.StatsAsync();
            }

            return node;
        }

        public async Task<Admission> AdmitAsync(string requestId, int leaseSeconds, long tokens)
        {
            var local = TryAdmitOnLease(requestId, leaseSeconds, tokens);
            if (local is not null)
            {
                return local.Value;
            }

            var asked = await AskAsync(requestId, leaseSeconds, tokens);
            return asked.Admitted ? asked : await SecondChanceAsync(asked);
        }

        /// <summary>The node's own decision; null when the entity must be asked.</summary>
        public Admission? TryAdmitOnLease(string requestId, int leaseSeconds, long tokens)
        {
            var local = _leases.TryAdmit(ChannelId, requestId, tokens, leaseSeconds);
            return local.Lease is not null || local.Rejection is not null ? new Admission(local.Lease, local.Rejection, requestId, tokens) : null;
        }

        public async Task<Admission> AskAsync(string requestId, int leaseSeconds, long tokens)
        {
            var reply = await _region.Ask<object>(new ChannelCommands.Admit(ChannelId, requestId, leaseSeconds, tokens), TimeSpan.FromSeconds(10));
            return new Admission(null, reply as ChannelCommands.Rejected, requestId, tokens);
        }

        /// <summary>The entity refused <paramref name="refused"/>: for want of a slot, the node's slice may have it.</summary>
        public async Task<Admission> SecondChanceAsync(Admission refused) =>
            await _leases.TryAdmitRefusedAsync(ChannelId, refused.Rejection!, refused.Tokens, TimeSpan.FromSeconds(10), CancellationToken.None) is { } lease
                ? refused with { Lease = lease, Rejection = null }
                : refused;

        public void Release(Admission admission, CallOutcome outcome)
        {
            if (admission.Lease is { } lease)
            {
                _leases.Release(lease, admission.Tokens, outcome);
            }
            else
            {
                _region.Tell(new ChannelCommands.Release(ChannelId, admission.RequestId, outcome));
            }
        }

        /// <summary>Calls until one is admitted on this node's lease, each released at once.</summary>
        public async Task AdmitOnLeaseAsync()
        {
            for (var call = 0; ; call++)
            {
                var admission = await AdmitAsync($"{Address.Port}-warm-{call}", 60, 10);
                if (admission.Admitted)
                {
                    Release(admission, Healthy);
                }

                if (admission.Lease is not null)
                {
                    return;
                }

                await Task.Delay(20);
            }
        }

        /// <summary>Admits calls and keeps them in flight until <paramref name="count"/> are.</summary>
        public async Task<List<Admission>> HoldAsync(int count, int leaseSeconds)
        {
            var held = new List<Admission>();
            for (var call = 0; held.Count < count; call++)
            {
                var admission = await AdmitAsync($"{Address.Port}-held-{call}", leaseSeconds, 10);
                if (admission.Admitted)
                {
                    held.Add(admission);
                }
                else
                {
                    await Task.Delay(20);
                }
            }

            return held;
        }

        /// <summary>Admits and holds calls until one is refused; the admitted ones.</summary>
        public async Task<List<Admission>> AdmitAllAsync(string prefix, int leaseSeconds)
        {
            var held = new List<Admission>();
            while (true)
            {
                var admission = await AdmitAsync($"{Address.Port}-{prefix}-{held.Count}", leaseSeconds, 10);
                if (!admission.Admitted)
                {
                    return held;
                }

                held.Add(admission);
            }
        }

        public Task<ChannelQueries.ChannelStats> StatsAsync() =>
            _region.Ask<ChannelQueries.ChannelStats>(new ChannelQueries.GetChannelStats(ChannelId), TimeSpan.FromSeconds(10));

        public async ValueTask DisposeAsync()
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            await _host.StopAsync();
            _host.Dispose();
        }
    }

    private sealed class HealthLog : IChannelHealthListener
    {
        private readonly ConcurrentQueue<ChannelHealth> _updates = new();

        public ChannelHealth? Last => _updates.LastOrDefault();

        public void Update(ChannelHealth health) => _updates.Enqueue(health);
    }

    private sealed class SharedConfig : IChannelDirectory
    {
        public ChannelPolicy? Policy { get; set; }

        ChannelPolicy? IChannelDirectory.Policy(string channelId) => channelId == ChannelId ? Policy : null;
    }
}
