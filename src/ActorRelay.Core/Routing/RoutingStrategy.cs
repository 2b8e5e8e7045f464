namespace ActorRelay.Core.Routing;

/// <summary>How the deployments of one priority group are ordered for a call.</summary>
public enum RoutingStrategy
{
    /// <summary>Draws without replacement, each deployment in proportion to its weight.</summary>
    WeightedRandom,

    /// <summary>Lowest latency moving average first.</summary>
    LowestLatency,

    /// <summary>Fewest calls in flight first.</summary>
    LeastInFlight,
}
