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

    public static AkkaConfigurationBuilder AddActorRelay(this AkkaConfigurationBuilder builder, ActorRelayAkkaOptions options)
    {
        options.Journal.EnsureStorageExists();
        var shardOptions = new ShardOptions
        {
            StateStoreMode = StateStoreMode.DData,
            RememberEntities = false,
            Role = options.Cluster.Roles?.FirstOrDefault(),
        };

        builder
            .ConfigureLoggers(loggers =>
            {
                loggers.ClearLoggers();
                loggers.AddLoggerFactory();
            })
            .WithCustomSerializer(ActorRelaySerializer.SerializerName, [typeof(IActorRelayMessage)], system => new ActorRelaySerializer(system))
            .WithRemoting(options.Remote)
            .WithClustering(options.Cluster)
            .WithSqlPersistence(
                connectionString: options.Journal.ConnectionString,
                providerName: options.Journal.LinqToDbProviderName,
                autoInitialize: true)
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
