namespace ActorRelay.Core.Routing;

/// <summary>
/// A model alias's route as it is written down: in configuration, in the admin API and in the route directory's
/// journal. <see cref="ToRoute"/> turns it into the planner's <see cref="ModelRoute"/>.
/// </summary>
public sealed record RouteSpec(string Alias, RoutingStrategy Strategy, IReadOnlyList<Deployment> Deployments, IReadOnlyList<CanarySpec> Canaries)
{
    public ModelRoute ToRoute() => new(
        Alias,
        Deployments,
        Strategy,
        Canaries.Select(canary => new CanaryRule(
            canary.Deployment,
            canary.Percent,
            canary.Tenants is null ? null : canary.Tenants.ToHashSet(StringComparer.Ordinal))).ToList());

    /// <summary>Every problem of this route on its own (channels are checked by the node that knows them).</summary>
    public IReadOnlyList<string> Validate() =>
        new RoutingTable(0, new Dictionary<string, ModelRoute> { [Alias] = ToRoute() }).Validate();
}

/// <summary>Sends <paramref name="Percent"/> of the alias's calls (of the listed tenants' calls, when given) to a deployment.</summary>
public sealed record CanarySpec(string Deployment, double Percent, IReadOnlyList<string>? Tenants);
