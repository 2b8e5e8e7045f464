using ActorRelay.Actors.Hosting;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Prometheus;

namespace ActorRelay.Gateway.Endpoints;

internal static class OperationsEndpoints
{
    public static IEndpointRouteBuilder MapOperationsEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks("/healthz", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(ActorRelayAkkaHostingExtensions.LivenessTag),
        }).WithTags("Operations");
        endpoints.MapHealthChecks("/readyz", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(ActorRelayAkkaHostingExtensions.ReadinessTag),
        }).WithTags("Operations");
        endpoints.MapMetrics("/metrics");
        return endpoints;
    }
}
