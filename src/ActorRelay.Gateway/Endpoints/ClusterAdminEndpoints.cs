using ActorRelay.Gateway.Access;
using ActorRelay.Gateway.Errors;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;

namespace ActorRelay.Gateway.Endpoints;

/// <summary>The cluster admin view: members, their status and roles, and where each shard of each region lives.</summary>
internal static class ClusterAdminEndpoints
{
    private static readonly TimeSpan StatsTimeout = TimeSpan.FromSeconds(3);

    public static IEndpointRouteBuilder MapClusterAdminEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGroup("/admin").WithTags("Admin: cluster").AddEndpointFilter<AdminKeyFilter>()
            .MapGet("/cluster", ClusterAsync)
            .WithSummary("Cluster members (status, roles, reachability) and the shards each node hosts, per sharded region.")
            .Produces<ClusterResponse>();
        return endpoints;
    }

    private static async Task<IResult> ClusterAsync(ActorSystem system, CancellationToken cancellationToken)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        var state = cluster.State;
        var unreachable = state.Unreachable.Select(member => member.Address).ToHashSet();
        var members = state.Members
            .Select(member => new ClusterMemberResponse(
                member.Address.ToString(), StatusName(member.Status), !unreachable.Contains(member.Address), member.Roles.Order().ToList()))
            .ToList();

        var sharding = ClusterSharding.Get(system);
        var regions = await Task.WhenAll(sharding.ShardTypeNames.Order().Select(name => RegionAsync(sharding, name, cancellationToken)));
        return TypedResults.Json(
            new ClusterResponse(cluster.SelfAddress.ToString(), state.Leader?.ToString(), members, regions),
            GatewayJsonContext.Default.ClusterResponse);
    }

    private static async Task<ShardRegionResponse> RegionAsync(ClusterSharding sharding, string name, CancellationToken cancellationToken)
    {
        try
        {
            var stats = await sharding.ShardRegion(name).Ask<ClusterShardingStats>(new GetClusterShardingStats(StatsTimeout), StatsTimeout * 2, cancellationToken);
            var nodes = stats.Regions
                .OrderBy(region => region.Key.ToString(), StringComparer.Ordinal)
                .Select(region => new ShardNodeResponse(
                    region.Key.ToString(),
                    new SortedDictionary<string, int>(region.Value.Stats.ToDictionary(shard => shard.Key, shard => shard.Value), StringComparer.Ordinal),
                    region.Value.Failed.Order(StringComparer.Ordinal).ToList()))
                .ToList();
            return new ShardRegionResponse(name, nodes.All(node => node.FailedShards.Count == 0), nodes);
        }
        catch (AskTimeoutException)
        {
            return new ShardRegionResponse(name, false, []);
        }
    }

    private static string StatusName(MemberStatus status) => status switch
    {
        MemberStatus.WeaklyUp => "weakly_up",
        _ => status.ToString().ToLowerInvariant(),
    };
}
