using ActorRelay.Core.Routing;
using ActorRelay.Gateway.Options;

namespace ActorRelay.Gateway.Routing;

/// <summary>The routes configuration defines: every <c>Models</c> alias as a one-deployment route, and every <c>Routes</c> alias.</summary>
internal static class ConfiguredRoutes
{
    public static Dictionary<string, RouteSpec> From(GatewayOptions options)
    {
        var routes = new Dictionary<string, RouteSpec>(StringComparer.OrdinalIgnoreCase);
        foreach (var (alias, model) in options.Models)
        {
            routes[alias] = new RouteSpec(alias, RoutingStrategy.WeightedRandom,
                [new Deployment(model.Channel, model.Channel, string.IsNullOrEmpty(model.VendorModel) ? alias : model.VendorModel)], []);
        }

        foreach (var (alias, route) in options.Routes)
        {
            routes[alias] = new RouteSpec(
                alias,
                route.Strategy,
                route.Deployments.Select(deployment => new Deployment(
                    string.IsNullOrEmpty(deployment.Id) ? deployment.Channel : deployment.Id,
                    deployment.Channel,
                    string.IsNullOrEmpty(deployment.VendorModel) ? alias : deployment.VendorModel,
                    deployment.Weight,
                    deployment.Priority)).ToList(),
                route.Canaries.Select(canary => new CanarySpec(canary.Deployment, canary.Percent, canary.Tenants.Count == 0 ? null : canary.Tenants)).ToList());
        }

        return routes;
    }
}
