namespace ActorRelay.Core.Routing;

/// <summary>What a model alias routes to: its deployments, the strategy ordering them and its canaries.</summary>
public sealed record ModelRoute(
    string Alias,
    IReadOnlyList<Deployment> Deployments,
    RoutingStrategy Strategy,
    IReadOnlyList<CanaryRule> Canaries)
{
    /// <summary>Whether some canary rule of this route names <paramref name="deploymentId"/>.</summary>
    public bool IsCanary(string deploymentId)
    {
        for (var i = 0; i < Canaries.Count; i++)
        {
            if (string.Equals(Canaries[i].DeploymentId, deploymentId, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
