using ActorRelay.Actors.Channels;
using ActorRelay.Core;
using Akka.Actor;
using Akka.Hosting;

namespace ActorRelay.Gateway.Actors;

/// <summary>The HTTP side's handle on the sharded channel entities.</summary>
internal sealed class ChannelGate(IRequiredActor<ChannelActor> channels)
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Null when admitted, else the rejection.</summary>
    public async Task<ChannelCommands.Rejected?> AdmitAsync(string channelId, string requestId, TimeSpan lease, CancellationToken cancellationToken)
    {
        var region = await channels.GetAsync(cancellationToken);
        var reply = await region.Ask<IActorRelayMessage>(
            new ChannelCommands.Admit(channelId, requestId, (int)Math.Ceiling(lease.TotalSeconds)),
            AskTimeout,
            cancellationToken);
        return reply as ChannelCommands.Rejected;
    }

    public async Task ReleaseAsync(string channelId, string requestId, CallOutcome outcome)
    {
        var region = await channels.GetAsync();
        region.Tell(new ChannelCommands.Release(channelId, requestId, outcome));
    }

    public async Task<ChannelQueries.ChannelStats> StatsAsync(string channelId, CancellationToken cancellationToken)
    {
        var region = await channels.GetAsync(cancellationToken);
        return await region.Ask<ChannelQueries.ChannelStats>(new ChannelQueries.GetChannelStats(channelId), AskTimeout, cancellationToken);
    }
}
