namespace ActorRelay.Core.Routing;

/// <summary>
/// What the router knows of each channel's health, fed by the channel actors. A channel whose breaker does not
/// admit calls is unavailable.
/// </summary>
public interface IDeploymentHealth
{
    /// <summary>Whether the channel admits calls now (its breaker is closed, or ready for a probe).</summary>
    bool IsAvailable(string channelId);

    /// <summary>
    /// The channel's latency moving average in milliseconds. A channel without samples reports 0 (NaN is read as 0),
    /// so that the lowest-latency strategy tries it and learns its latency.
    /// </summary>
    double LatencyEwmaMs(string channelId);

    /// <summary>How many calls the channel has in flight.</summary>
    int InFlight(string channelId);
}
