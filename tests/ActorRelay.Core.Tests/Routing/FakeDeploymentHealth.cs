using ActorRelay.Core.Routing;

namespace ActorRelay.Core.Tests.Routing;

/// <summary>Channel health set by the test: available, 0 ms and nothing in flight unless told otherwise.</summary>
internal sealed class FakeDeploymentHealth : IDeploymentHealth
{
    private readonly HashSet<string> _unavailable = new(StringComparer.Ordinal);
    private readonly Dictionary<string, double> _latency = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _inFlight = new(StringComparer.Ordinal);

    public FakeDeploymentHealth Down(params string[] channels)
    {
        _unavailable.UnionWith(channels);
        return this;
    }

    public FakeDeploymentHealth Latency(string channel, double ms)
    {
        _latency[channel] = ms;
        return this;
    }

    public FakeDeploymentHealth Busy(string channel, int inFlight)
    {
        _inFlight[channel] = inFlight;
        return this;
    }

    public bool IsAvailable(string channelId) => !_unavailable.Contains(channelId);

    public double LatencyEwmaMs(string channelId) => _latency.GetValueOrDefault(channelId);

    public int InFlight(string channelId) => _inFlight.GetValueOrDefault(channelId);
}
