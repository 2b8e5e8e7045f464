using System.Diagnostics.CodeAnalysis;
using ActorRelay.Actors.Channels;
using ActorRelay.Gateway.Options;
using Microsoft.Extensions.Options;

namespace ActorRelay.Gateway.Routing;

/// <summary>Where one alias goes: the channel, its settings, and the model name the vendor expects.</summary>
internal sealed record ResolvedRoute(string Alias, string ChannelId, ChannelOptions Channel, string VendorModel);

/// <summary>
/// Resolves model aliases against the current configuration snapshot, read on every call so that a change to
/// configuration takes effect without a restart. Also serves the channel entities' node-local directory.
/// </summary>
internal sealed class ModelRouter(IOptionsMonitor<GatewayOptions> options) : IChannelDirectory
{
    public IEnumerable<KeyValuePair<string, ModelRouteOptions>> Aliases => options.CurrentValue.Models;

    public bool TryResolve(string alias, [NotNullWhen(true)] out ResolvedRoute? route)
    {
        var current = options.CurrentValue;
        if (current.Models.TryGetValue(alias, out var model) && current.Channels.TryGetValue(model.Channel, out var channel))
        {
            route = new ResolvedRoute(alias, model.Channel, channel, string.IsNullOrEmpty(model.VendorModel) ? alias : model.VendorModel);
            return true;
        }

        route = null;
        return false;
    }

    public int? MaxConcurrency(string channelId) =>
        options.CurrentValue.Channels.TryGetValue(channelId, out var channel) ? channel.MaxConcurrency : null;
}
