using ActorRelay.Actors.Access;
using ActorRelay.Actors.Channels;
using ActorRelay.Actors.Idempotency;
using ActorRelay.Actors.Ledger;
using ActorRelay.Actors.RateLimiting;
using ActorRelay.Actors.Routing;
using ActorRelay.Actors.Serialization;
using ActorRelay.Core;
using Akka.Cluster;
using Akka.Cluster.Hosting;
using Akka.Cluster.Hosting.SBR;
using Akka.Cluster.Sharding;
using Akka.Discovery.KubernetesApi;
using Akka.Hosting;
using Akka.Management;
using Akka.Management.Cluster.Bootstrap;
using Akka.Persistence.Sql.Hosting;
using Akka.Remote.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ActorRelay.Actors.Hosting;

/// <summary>The one composition root of ActorRelay's ActorSystem.</summary>
public static class ActorRelayAkkaHostingExtensions
{
    /// <summary>
    /// Health-check tag of the checks that decide readiness (<c>/readyz</c>). They report <see cref="HealthStatus.Degraded"/>
    /// while the node is not ready: starting and draining are expected states, logged as warnings, not errors.
    /// </summary>
    public const string ReadinessTag = "ready";

    /// <summary>Health-check tag of the checks that decide liveness (<c>/healthz</c>).</summary>
    public const string LivenessTag = "live";

    /// <summary>
    /// Logging through Microsoft.Extensions.Logging, ActorRelay's serializer and the SQL journal: all that a process
    /// needs to read or write the journal (the gateway adds remoting, clustering and entities; the replay tool not).
    /// </summary>
    public static AkkaConfigurationBuilder AddActorRelayJournal(this AkkaConfigurationBuilder builder, JournalOptions journal)
    {
        journal.EnsureStorageExists();
        return builder
            .ConfigureLoggers(loggers =>
            {
                loggers.ClearLoggers();
                loggers.AddLoggerFactory();
            })
            .WithCustomSerializer(ActorRelaySerializer.SerializerName, [typeof(IActorRelayMessage)], system => new ActorRelaySerializer(system, journal.CompactCostBatches))
            .WithSqlPersistence(
                connectionString: journal.ConnectionString,
                providerName: journal.LinqToDbProviderName,
                autoInitialize: true)
            .AddHocon(QueryTuning, HoconAddMode.Prepend);
    }

    /// <summary>
    /// Reads of the ledger (reports, replay) page through the journal in large batches and do not wait a second
    /// between pages for the journal's sequence scan, the plugin's low-latency default being tuned for live projections.
    /// </summary>
    private const string QueryTuning = """
        akka.persistence.query.journal.sql {
          max-buffer-size = 5000
          refresh-interval = 200ms
          journal-sequence-retrieval.query-delay = 20ms
        }
        """;

    public static AkkaConfigurationBuilder AddActorRelay(this AkkaConfigurationBuilder builder, ActorRelayAkkaOptions options)
    {
        var shardOptions = new ShardOptions
        {
            StateStoreMode = StateStoreMode.DData,
            RememberEntities = false,
            Role = options.Cluster.Roles?.FirstOrDefault(),
        };
        options.Cluster.SplitBrainResolver = options.SplitBrain.Strategy switch
        {
            SplitBrainStrategy.KeepOldest => new KeepOldestOption { DownIfAlone = true },
            _ => new KeepMajorityOption(),
        };

        builder
            .AddActorRelayJournal(options.Journal)
            .WithRemoting(options.Remote)
            .WithClustering(options.Cluster)
            .AddHocon(ClusterTuning(options.SplitBrain), HoconAddMode.Prepend)
            .AddChannelActor(shardOptions)
            .AddTenantLedgerActor(shardOptions)
            .AddAccessDirectoryActor(shardOptions)
            .AddRouteDirectoryActor(shardOptions)
            .AddRateLimitActor(shardOptions)
            .AddIdempotencyActor(shardOptions)
            .WithActorSystemLivenessCheck(HealthStatus.Unhealthy, [LivenessTag])
            .WithAkkaClusterReadinessCheck(HealthStatus.Degraded, [ReadinessTag]);

        if (options.Discovery.Method == ClusterFormation.Kubernetes)
        {
            var discovery = options.Discovery;
            builder
                .WithAkkaManagement(port: discovery.ManagementPort, bindHostname: "0.0.0.0", bindPort: discovery.ManagementPort)
                .WithClusterBootstrap(serviceName: discovery.ServiceName, portName: "management", requiredContactPoints: discovery.RequiredContactPoints)
                .WithKubernetesDiscovery(discovery.PodLabelSelector);
        }
        else if (options.Cluster.SeedNodes is not { Length: > 0 })
        {
            builder.AddStartup((system, _) =>
            {
                var cluster = Cluster.Get(system);
                cluster.Join(cluster.SelfAddress);
                return Task.CompletedTask;
            });
        }

        return builder;
    }

    /// <summary>
    /// CoordinatedShutdown runs only when the host stops the ActorSystem (after Kestrel has drained its requests), not
    /// from Akka's own process-exit hook, which would leave the cluster while in-flight calls still need their ledger.
    /// The split-brain resolver's stable-after, and the sharding coordinator's pace: a shard whose node was downed or
    /// left is allocated again on the next request, and shards are rebalanced towards new nodes every few seconds.
    /// </summary>
    private static string ClusterTuning(SplitBrainOptions splitBrain) => $$"""
        akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
        akka.cluster.split-brain-resolver.stable-after = {{splitBrain.StableAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}}s
        akka.cluster.sharding.rebalance-interval = 5s
        akka.cluster.sharding.least-shard-allocation-strategy.rebalance-absolute-limit = 20
        akka.cluster.sharding.least-shard-allocation-strategy.rebalance-relative-limit = 0.5
        """;
}
