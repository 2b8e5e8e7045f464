using ActorRelay.Actors.Channels;
using ActorRelay.Core;
using ActorRelay.Gateway.Routing;
using Akka.Actor;
using Akka.Hosting;

namespace ActorRelay.Gateway.Actors;

/// <summary>The HTTP side's handle on the sharded channel entities; every admission reply refreshes this node's health board.</summary>
internal sealed class ChannelGate(IRequiredActor<ChannelActor> channels, ChannelHealthBoard board)
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Null when admitted, else the rejection.</summary>
    public async Task<ChannelCommands.Rejected?> AdmitAsync(string channelId, string requestId, TimeSpan lease, long tokens, CancellationToken cancellationToken)
    {
        var region = await channels.GetAsync(cancellationToken);
        var reply = await region.Ask<IActorRelayMessage>(
            new ChannelCommands.Admit(channelId, requestId, (int)Math.Ceiling(lease.TotalSeconds), tokens),
            AskTimeout,
            cancellationToken);
        switch (reply)
        {
            case ChannelCommands.Admitted admitted:
                board.Update(admitted.Health);
                return null;
            case ChannelCommands.Rejected rejected:
                board.Update(rejected.Health);
                return rejected;
            default:
                throw new InvalidOperationException($"Channel '{channelId}' answered an admission with {reply.GetType().Name}.");
        }
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

    public async Task<ChannelHealth> HealthAsync(string channelId, CancellationToken cancellationToken)
    {
        var region = await channels.GetAsync(cancellationToken);
        return await region.Ask<ChannelHealth>(new ChannelQueries.GetChannelHealth(channelId), AskTimeout, cancellationToken);
    }
}
