using ActorRelay.Actors.Channels;
using ActorRelay.Core;
using ActorRelay.Gateway.Routing;
using Akka.Actor;
using Akka.Hosting;

namespace ActorRelay.Gateway.Actors;

/// <summary>
/// The HTTP side's handle on the channels. A call is decided on this node's lease when the lease can (no message at
/// all), else by an ask to the sharded channel entity, whose every reply refreshes this node's health board.
/// </summary>
internal sealed class ChannelGate(IRequiredActor<ChannelActor> channels, ChannelLeases leases, ChannelHealthBoard board)
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The admission, or its rejection; on the common path it completes at once, from the node's lease.</summary>
    public ValueTask<ChannelAdmission> AdmitAsync(string channelId, string requestId, TimeSpan lease, long tokens, CancellationToken cancellationToken)
    {
        var leaseSeconds = (int)Math.Ceiling(lease.TotalSeconds);
        var local = leases.TryAdmit(channelId, requestId, tokens, leaseSeconds);
        if (local.Rejection is { } rejection)
        {
            board.Update(rejection.Health);
        }

        return local.Lease is not null || local.Rejection is not null
            ? ValueTask.FromResult(new ChannelAdmission(local.Rejection, local.Lease, tokens))
            : AskAdmitAsync(channelId, requestId, leaseSeconds, tokens, cancellationToken);
    }

    /// <summary>Reports how an admitted call ended and frees its slot, on the lease that admitted it or at the entity.</summary>
    public async ValueTask ReleaseAsync(string channelId, string requestId, ChannelAdmission admission, CallOutcome outcome)
    {
        if (admission.Lease is { } lease)
        {
            leases.Release(lease, admission.Tokens, outcome);
            return;
        }

        var region = await channels.GetAsync();
        region.Tell(new ChannelCommands.Release(channelId, requestId, outcome));
    }

    private async ValueTask<ChannelAdmission> AskAdmitAsync(string channelId, string requestId, int leaseSeconds, long tokens, CancellationToken cancellationToken)
    {
        var region = await channels.GetAsync(cancellationToken);
        var reply = await region.Ask<IActorRelayMessage>(
            new ChannelCommands.Admit(channelId, requestId, leaseSeconds, tokens),
            AskTimeout,
            cancellationToken);
        switch (reply)
        {
            case ChannelCommands.Admitted admitted:
                board.Update(admitted.Health);
                return new ChannelAdmission(null, null, tokens);
            case ChannelCommands.Rejected rejected:
                board.Update(rejected.Health);
                return await leases.TryAdmitRefusedAsync(channelId, rejected, tokens, AskTimeout, cancellationToken) is { } lease
                    ? new ChannelAdmission(null, lease, tokens)
                    : new ChannelAdmission(rejected, null, tokens);
            default:
                throw new InvalidOperationException($"Channel '{channelId}' answered an admission with {reply.GetType().Name}.");
        }
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

/// <summary>How a call got into a channel: <paramref name="Rejection"/> when it did not, <paramref name="Lease"/> when this node's lease admitted it.</summary>
/// <param name="Tokens">The tokens the admission reserved of the vendor quota.</param>
internal readonly record struct ChannelAdmission(ChannelCommands.Rejected? Rejection, ChannelLease? Lease, long Tokens);
