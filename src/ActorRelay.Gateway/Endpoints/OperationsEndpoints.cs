using ActorRelay.Actors.Hosting;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
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
        // A node that is not ready (starting, draining) reports Degraded, which health checks log as a warning: that is
        // an expected state, not an error. It is still not ready: 503.
        endpoints.MapHealthChecks("/readyz", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(ActorRelayAkkaHostingExtensions.ReadinessTag),
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status503ServiceUnavailable,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
        }).WithTags("Operations");
        endpoints.MapMetrics("/metrics");
        return endpoints;
    }
}
