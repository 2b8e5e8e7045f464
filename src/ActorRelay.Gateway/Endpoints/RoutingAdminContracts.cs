using System.Text.Json.Serialization;
using ActorRelay.Actors.Channels;
using ActorRelay.Core.Policy;
using ActorRelay.Core.Routing;

namespace ActorRelay.Gateway.Endpoints;

/// <summary>A route as the admin API writes and reads it. <c>strategy</c>: weighted_random, lowest_latency or least_in_flight.</summary>
public sealed record RouteRequest(
    [property: JsonPropertyName("strategy")] string? Strategy,
    [property: JsonPropertyName("deployments")] List<DeploymentBody> Deployments,
    [property: JsonPropertyName("canaries")] List<CanaryBody>? Canaries,
    [property: JsonPropertyName("expected_version")] long? ExpectedVersion);

public sealed record DeploymentBody(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("channel")] string Channel,
    [property: JsonPropertyName("vendor_model")] string? VendorModel,
    [property: JsonPropertyName("weight")] int? Weight,
    [property: JsonPropertyName("priority")] int? Priority)
{
    public static DeploymentBody From(Deployment deployment) =>
        new(deployment.Id, deployment.ChannelId, deployment.VendorModel, deployment.Weight, deployment.Priority);
}

public sealed record CanaryBody(
    [property: JsonPropertyName("deployment")] string Deployment,
    [property: JsonPropertyName("percent")] double Percent,
    [property: JsonPropertyName("tenants")] List<string>? Tenants);

public sealed record RouteResponse(
    [property: JsonPropertyName("alias")] string Alias,
    [property: JsonPropertyName("source")] string Source,
    [property: JsonPropertyName("strategy")] string Strategy,
    [property: JsonPropertyName("deployments")] IReadOnlyList<DeploymentBody> Deployments,
    [property: JsonPropertyName("canaries")] IReadOnlyList<CanaryBody> Canaries);

/// <summary>
/// This node's routing table: <c>version</c> is the route directory's (admin changes, the same on every node once
/// replicated), <c>config_version</c> counts this node's loads of routes from configuration.
/// </summary>
public sealed record RoutingTableResponse(
    [property: JsonPropertyName("version")] long Version,
    [property: JsonPropertyName("config_version")] long ConfigVersion,
    [property: JsonPropertyName("config_loaded_at")] DateTimeOffset ConfigLoadedAt,
    [property: JsonPropertyName("routes")] IReadOnlyList<RouteResponse> Routes);

public sealed record RouteChangeResponse(
    [property: JsonPropertyName("version")] long Version,
    [property: JsonPropertyName("alias")] string Alias,
    [property: JsonPropertyName("action")] string Action,
    [property: JsonPropertyName("at")] DateTimeOffset At,
    [property: JsonPropertyName("route")] RouteResponse? Route);

public sealed record RouteHistoryResponse(
    [property: JsonPropertyName("version")] long Version,
    [property: JsonPropertyName("changes")] IReadOnlyList<RouteChangeResponse> Changes);

public sealed record BreakerResponse(
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("opened_at")] DateTimeOffset? OpenedAt,
    [property: JsonPropertyName("half_opens_at")] DateTimeOffset? HalfOpensAt,
    [property: JsonPropertyName("break_seconds")] double BreakSeconds,
    [property: JsonPropertyName("consecutive_failures")] int ConsecutiveFailures,
    [property: JsonPropertyName("window_calls")] int WindowCalls,
    [property: JsonPropertyName("window_failures")] int WindowFailures,
    [property: JsonPropertyName("probes_in_flight")] int ProbesInFlight,
    [property: JsonPropertyName("times_opened")] long TimesOpened,
    [property: JsonPropertyName("last_trip")] string? LastTrip)
{
    public static BreakerResponse From(CircuitBreakerSnapshot breaker) => new(
        Snake(breaker.State.ToString()), breaker.OpenedAt, breaker.HalfOpensAt, breaker.BreakDuration.TotalSeconds, breaker.ConsecutiveFailures,
        breaker.WindowCalls, breaker.WindowFailures, breaker.ProbesInFlight, breaker.TimesOpened,
        breaker.LastTrip is { } trip ? Snake(trip.ToString()) : null);

    /// <summary>PascalCase to snake_case (HalfOpen → half_open).</summary>
    public static string Snake(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) && i > 0 ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}

public sealed record ChannelResponse(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("in_flight")] int InFlight,
    [property: JsonPropertyName("max_concurrency")] int MaxConcurrency,
    [property: JsonPropertyName("admitted")] long Admitted,
    [property: JsonPropertyName("rejected")] long Rejected,
    [property: JsonPropertyName("succeeded")] long Succeeded,
    [property: JsonPropertyName("failed")] long Failed,
    [property: JsonPropertyName("latency_ewma_ms")] double LatencyEwmaMs,
    [property: JsonPropertyName("breaker")] BreakerResponse Breaker)
{
    public static ChannelResponse From(ChannelQueries.ChannelStats stats) => new(
        stats.ChannelId, stats.InFlight, stats.MaxConcurrency, stats.Admitted, stats.Rejected, stats.Succeeded, stats.Failed,
        stats.LatencyEwmaMs, BreakerResponse.From(stats.Breaker));
}
