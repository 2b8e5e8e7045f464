using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;

namespace ActorRelay.Core.Routing;

/// <summary>
/// An immutable, versioned snapshot of every model alias's route, swapped atomically as a whole. Alias lookup in
/// <see cref="Routes"/> is case-insensitive; the dictionary is frozen once when the snapshot is built.
/// </summary>
public sealed record RoutingTable(long Version, IReadOnlyDictionary<string, ModelRoute> Routes)
{
    private readonly Frozen _frozen = Freeze(Routes);

    /// <summary>
    /// The routes by alias, case-insensitive. Of aliases that differ only by case, the ordinally first is kept and
    /// <see cref="Validate"/> reports the others.
    /// </summary>
    public IReadOnlyDictionary<string, ModelRoute> Routes
    {
        get => _frozen.Routes;
        init => _frozen = Freeze(value);
    }

    /// <summary>The route of <paramref name="alias"/> (case-insensitive), if any.</summary>
    public bool TryGetRoute(string alias, [NotNullWhen(true)] out ModelRoute? route) =>
        _frozen.Routes.TryGetValue(alias, out route);

    /// <summary>
    /// Every problem of this table, each naming its alias and deployment; empty when the table can be used.
    /// </summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        foreach (var clash in _frozen.AliasClashes)
        {
            errors.Add($"Alias '{clash}' is defined more than once (aliases are case-insensitive).");
        }

        foreach (var (alias, route) in _frozen.Routes.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            ValidateRoute(alias, route, errors);
        }

        return errors;
    }

    private static Frozen Freeze(IReadOnlyDictionary<string, ModelRoute> routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        var unique = new Dictionary<string, ModelRoute>(routes.Count, StringComparer.OrdinalIgnoreCase);
        var duplicates = new List<string>();
        foreach (var (alias, route) in routes.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            if (!unique.TryAdd(alias, route))
            {
                duplicates.Add(alias);
            }
        }

        return new Frozen(unique.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase), [.. duplicates]);
    }

    private static void ValidateRoute(string alias, ModelRoute route, List<string> errors)
    {
        var where = $"Alias '{alias}'";
        if (string.IsNullOrWhiteSpace(alias))
        {
            errors.Add("An alias is empty.");
        }

        if (!string.Equals(alias, route.Alias, StringComparison.OrdinalIgnoreCase))
        {
            errors.Add($"{where} holds a route for alias '{route.Alias}'.");
        }

        if (!Enum.IsDefined(route.Strategy))
        {
            errors.Add($"{where} has unknown routing strategy '{route.Strategy}'.");
        }

        if (route.Deployments.Count == 0)
        {
            errors.Add($"{where} has no deployment.");
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var deployment in route.Deployments)
        {
            ValidateDeployment(where, deployment, errors);
            if (!ids.Add(deployment.Id))
            {
                errors.Add($"{where} has more than one deployment with id '{deployment.Id}'.");
            }
        }

        foreach (var canary in route.Canaries)
        {
            ValidateCanary(where, canary, ids, errors);
        }

        ValidateCanaryShares(where, route.Canaries, errors);
    }

    private static void ValidateDeployment(string where, Deployment deployment, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(deployment.Id))
        {
            errors.Add($"{where} has a deployment without an id.");
        }

        if (string.IsNullOrWhiteSpace(deployment.ChannelId))
        {
            errors.Add($"{where}, deployment '{deployment.Id}': channel is empty.");
        }

        if (string.IsNullOrWhiteSpace(deployment.VendorModel))
        {
            errors.Add($"{where}, deployment '{deployment.Id}': vendor model is empty.");
        }

        if (deployment.Weight <= 0)
        {
            errors.Add($"{where}, deployment '{deployment.Id}': weight {deployment.Weight} must be positive.");
        }
    }

    private static void ValidateCanary(string where, CanaryRule canary, HashSet<string> deploymentIds, List<string> errors)
    {
        if (!deploymentIds.Contains(canary.DeploymentId))
        {
            errors.Add($"{where}, canary '{canary.DeploymentId}': names no deployment of the alias.");
        }

        if (!IsPercent(canary.Percent))
        {
            errors.Add($"{where}, canary '{canary.DeploymentId}': percent {canary.Percent} must be within 0..100.");
        }

        if (canary.Tenants is { Count: 0 })
        {
            errors.Add($"{where}, canary '{canary.DeploymentId}': the tenant list is empty (omit it to apply to every tenant).");
        }
    }

    /// <summary>The canaries one tenant's calls take part in must not share out more than all of its calls.</summary>
    private static void ValidateCanaryShares(string where, IReadOnlyList<CanaryRule> canaries, List<string> errors)
    {
        if (!canaries.All(canary => IsPercent(canary.Percent)))
        {
            return;
        }

        var everyone = canaries.Where(canary => canary.Tenants is null).Sum(canary => canary.Percent);
        if (everyone > 100)
        {
            errors.Add($"{where}: canaries for every tenant add up to {everyone} percent, more than 100.");
            return;
        }

        var tenants = canaries.Where(canary => canary.Tenants is not null).SelectMany(canary => canary.Tenants!).Distinct(StringComparer.Ordinal);
        foreach (var tenant in tenants.Order(StringComparer.Ordinal))
        {
            var share = canaries.Where(canary => canary.AppliesTo(tenant)).Sum(canary => canary.Percent);
            if (share > 100)
            {
                errors.Add($"{where}: canaries for tenant '{tenant}' add up to {share} percent, more than 100.");
            }
        }
    }

    private static bool IsPercent(double value) => value is >= 0 and <= 100;

    private sealed record Frozen(FrozenDictionary<string, ModelRoute> Routes, string[] AliasClashes);
}
