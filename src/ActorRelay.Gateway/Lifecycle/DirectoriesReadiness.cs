using ActorRelay.Gateway.Access;
using ActorRelay.Gateway.Routing;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ActorRelay.Gateway.Lifecycle;

/// <summary>
/// A node is ready only once it has read the access and route directories: before that, a key or a route set through
/// the admin API (or the demo key) is unknown to it, and a load balancer that trusted <c>/readyz</c> would see its
/// callers refused with 401 or 404.
/// </summary>
internal sealed class DirectoriesReadiness(AccessDirectoryClient access, RouteDirectoryClient routes) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult((access.Synced, routes.Synced) switch
        {
            (true, true) => HealthCheckResult.Healthy("The access and route directories are loaded."),
            (false, _) => new HealthCheckResult(context.Registration.FailureStatus, "The access directory (keys) has not been loaded yet."),
            _ => new HealthCheckResult(context.Registration.FailureStatus, "The route directory has not been loaded yet."),
        });
}
