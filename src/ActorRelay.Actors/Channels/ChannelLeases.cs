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

    /// <summary>This node's decision on a call; when it holds neither a lease nor a rejection, the channel entity must decide.</summary>
    public LeaseAdmission TryAdmit(string channelId, string requestId, long tokens, int leaseSeconds)
    {
        var holder = _holder;
        if (holder is null)
        {
            return default;
        }

        var lease = _leases.GetOrAdd(channelId, static id => new ChannelLease(id));
        switch (lease.TryAdmit(tokens, leaseSeconds, out var wake))
        {
            case LeaseDecision.Admitted:
                return new LeaseAdmission(lease, null);
            case LeaseDecision.Full:
                return new LeaseAdmission(null, lease.Refusal(requestId));
        }

        if (wake)
        {
            holder.Tell(new ChannelLesseeActor.Wake(lease));
        }

        return default;
    }

    /// <summary>
    /// A second chance for a call the entity refused (<paramref name="refusal"/>): when it was for want of a slot, this
    /// node's report may have reached the entity before the call's ask and reserved the slot for it, so once that
    /// report's answer is applied (waiting at most <paramref name="wait"/>), the call is admitted on the slice if it has
    /// room. Null: the refusal stands.
    /// </summary>
    public async ValueTask<ChannelLease?> TryAdmitRefusedAsync(
        string channelId, ChannelCommands.Rejected refusal, long tokens, TimeSpan wait, CancellationToken cancellationToken)
    {
        if (refusal.Reason != RejectionReason.ConcurrencyLimit || _holder is null || !_leases.TryGetValue(channelId, out var lease))
        {
            return null;
        }

        var answered = lease.Answered();
        if (!answered.IsCompleted)
        {
            try
            {
                await answered.WaitAsync(wait, cancellationToken);
            }
            catch (TimeoutException)
            {
                return null;
            }
        }

        return lease.TryAdmitRefused(tokens) ? lease : null;
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

/// <summary>A node's decision on a call: admitted on <paramref name="Lease"/>, refused with <paramref name="Rejection"/>, or neither.</summary>
public readonly record struct LeaseAdmission(ChannelLease? Lease, ChannelCommands.Rejected? Rejection);
