namespace ActorRelay.Core.Routing;

/// <summary>
/// Sends <paramref name="Percent"/> (0..100) of an alias's calls to the deployment <paramref name="DeploymentId"/>:
/// of every tenant's calls when <paramref name="Tenants"/> is null, else only of the calls of the tenants listed.
/// </summary>
public sealed record CanaryRule(string DeploymentId, double Percent, IReadOnlySet<string>? Tenants)
{
    /// <summary>Whether calls of <paramref name="tenantId"/> take part in this canary.</summary>
    public bool AppliesTo(string tenantId) => Tenants is null || Tenants.Contains(tenantId);
}
