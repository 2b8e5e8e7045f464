using ActorRelay.Actors.Channels;
using ActorRelay.Gateway.Options;
using Microsoft.Extensions.Options;

namespace ActorRelay.Gateway.Routing;

/// <summary>The channel entities' node-local view of configured channels, rebuilt only when configuration changes.</summary>
internal sealed class ChannelDirectory : IChannelDirectory, IDisposable
{
    private readonly IDisposable? _subscription;
    private volatile Dictionary<string, ChannelPolicy> _policies;

    public ChannelDirectory(IOptionsMonitor<GatewayOptions> options)
    {
        _policies = Build(options.CurrentValue);
        _subscription = options.OnChange(changed => _policies = Build(changed));
    }

    public ChannelPolicy? Policy(string channelId) => _policies.GetValueOrDefault(channelId);

    public void Dispose() => _subscription?.Dispose();

    private static Dictionary<string, ChannelPolicy> Build(GatewayOptions options) =>
        options.Channels.ToDictionary(
            pair => pair.Key,
            pair => new ChannelPolicy(pair.Value.MaxConcurrency, pair.Value.Breaker.ToOptions(), pair.Value.Quota.ToLimits()),
            StringComparer.OrdinalIgnoreCase);
}
