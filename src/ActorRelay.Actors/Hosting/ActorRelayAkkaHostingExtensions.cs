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
using Akka.Cluster.Sharding;
using Akka.Hosting;
using Akka.Persistence.Sql.Hosting;
using Akka.Remote.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ActorRelay.Actors.Hosting;

/// <summary>The one composition root of ActorRelay's ActorSystem.</summary>
public static class ActorRelayAkkaHostingExtensions
{
    /// <summary>Health-check tag of the checks that decide readiness (<c>/readyz</c>).</summary>
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
            .WithCustomSerializer(ActorRelaySerializer.SerializerName, [typeof(IActorRelayMessage)], system => new ActorRelaySerializer(system))
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

        builder
            .AddActorRelayJournal(options.Journal)
            .WithRemoting(options.Remote)
            .WithClustering(options.Cluster)
            .AddChannelActor(shardOptions)
            .AddTenantLedgerActor(shardOptions)
            .AddAccessDirectoryActor(shardOptions)
            .AddRouteDirectoryActor(shardOptions)
            .AddRateLimitActor(shardOptions)
            .AddIdempotencyActor(shardOptions)
            .WithActorSystemLivenessCheck(HealthStatus.Unhealthy, [LivenessTag])
            .WithAkkaClusterReadinessCheck(HealthStatus.Unhealthy, [ReadinessTag]);

        if (options.Cluster.SeedNodes is not { Length: > 0 })
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
}
