using System.Collections.Concurrent;
using ActorRelay.Actors.Channels;
using ActorRelay.Core.Routing;
using ActorRelay.Gateway.Observability;

namespace ActorRelay.Gateway.Routing;

/// <summary>
/// What this node knows of every channel's health, for planning: fed by every admission reply, by every answer to this
/// node's lease reports (<see cref="ChannelLesseeActor"/>, every few hundred milliseconds while a channel is in use) and
/// by <see cref="ChannelHealthPoller"/> about once a second. A channel never heard of is available, with no latency and
/// nothing in flight, so that it gets tried.
/// </summary>
internal sealed class ChannelHealthBoard : IDeploymentHealth, IChannelHealthListener
{
    private readonly ConcurrentDictionary<string, ChannelHealth> _channels = new(StringComparer.OrdinalIgnoreCase);

    public void Update(ChannelHealth health)
    {
        _channels[health.ChannelId] = health;
        GatewayMetrics.CircuitState.WithLabels(health.ChannelId).Set((int)health.Circuit);
    }

    public ChannelHealth? Get(string channelId) => _channels.GetValueOrDefault(channelId);

    public bool IsAvailable(string channelId) => Get(channelId)?.Available ?? true;

    public double LatencyEwmaMs(string channelId) => Get(channelId)?.LatencyEwmaMs ?? 0;

    public int InFlight(string channelId) => Get(channelId)?.InFlight ?? 0;
}
