using System.Text.Json.Serialization;

namespace ActorRelay.Gateway.Endpoints;

/// <summary>
/// The cluster as this node sees it: every member with its status and roles, and for each sharded region the shards
/// each node hosts (shard id and live entities). <c>unanswered_regions</c> lists regions whose nodes did not report in time.
/// </summary>
public sealed record ClusterResponse(
    [property: JsonPropertyName("self")] string Self,
    [property: JsonPropertyName("leader")] string? Leader,
    [property: JsonPropertyName("members")] IReadOnlyList<ClusterMemberResponse> Members,
    [property: JsonPropertyName("regions")] IReadOnlyList<ShardRegionResponse> Regions);

/// <summary><c>status</c> is Akka's member status (joining, up, leaving, exiting, down, removed, weakly_up).</summary>
public sealed record ClusterMemberResponse(
    [property: JsonPropertyName("address")] string Address,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("reachable")] bool Reachable,
    [property: JsonPropertyName("roles")] IReadOnlyList<string> Roles);

public sealed record ShardRegionResponse(
    [property: JsonPropertyName("region")] string Region,
    [property: JsonPropertyName("complete")] bool Complete,
    [property: JsonPropertyName("nodes")] IReadOnlyList<ShardNodeResponse> Nodes);

/// <summary><c>shards</c>: shard id → live entities in it; <c>failed_shards</c>: shards that did not answer in time.</summary>
public sealed record ShardNodeResponse(
    [property: JsonPropertyName("address")] string Address,
    [property: JsonPropertyName("shards")] IReadOnlyDictionary<string, int> Shards,
    [property: JsonPropertyName("failed_shards")] IReadOnlyList<string> FailedShards);
