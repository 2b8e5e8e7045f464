using System.Collections.Concurrent;
using Akka.Actor;

namespace ActorRelay.Actors.Channels;

/// <summary>Where a node's lease holder reports the health that every grant carries, so that routing plans with it.</summary>
public interface IChannelHealthListener
{
    void Update(ChannelHealth health);
}

/// <summary>
/// This node's channel leases, one per channel, for the request path: <see cref="TryAdmit"/> and <see cref="Release"/>
/// cost a dictionary read and a tiny lock, and no message unless this node has no lease yet or a call failed. Until
/// the node's <see cref="ChannelLesseeActor"/> runs, nothing is admitted here (every call asks the entity).
/// </summary>
public sealed class ChannelLeases
{
    private readonly ConcurrentDictionary<string, ChannelLease> _leases = new(StringComparer.Ordinal);
    private volatile IActorRef? _holder;

    /// <summary>The lease that admitted the call, or null: then the call must be admitted by the channel entity.</summary>
    public ChannelLease? TryAdmit(string channelId, long tokens, int leaseSeconds)
    {
        var holder = _holder;
        if (holder is null)
        {
            return null;
        }

        var lease = _leases.GetOrAdd(channelId, static id => new ChannelLease(id));
        if (lease.TryAdmit(tokens, leaseSeconds, out var wake))
        {
            return lease;
        }

        if (wake)
        {
            holder.Tell(new ChannelLesseeActor.Wake(lease));
        }

        return null;
    }

    /// <summary>Ends a call that <paramref name="lease"/> admitted with <paramref name="tokens"/> reserved.</summary>
    public void Release(ChannelLease lease, long tokens, CallOutcome outcome)
    {
        if (lease.Release(tokens, outcome))
        {
            _holder?.Tell(new ChannelLesseeActor.Flush(lease.ChannelId));
        }
    }

    internal void Attach(IActorRef holder) => _holder = holder;

    internal void Detach(IActorRef holder) => Interlocked.CompareExchange(ref _holder, null, holder);
}
