using ActorRelay.Core;
using ActorRelay.Core.Policy;

namespace ActorRelay.Actors.Channels;

/// <summary>Routes a message to the sharded channel entity named by <see cref="ChannelId"/>.</summary>
public interface IWithChannelId : IActorRelayMessage
{
    string ChannelId { get; }
}

public static class ChannelCommands
{
    /// <summary>
    /// Asks the channel to admit one call of up to <paramref name="Tokens"/> tokens (its vendor quota). The admission
    /// is a lease: if the caller never reports the outcome (its node died), the slot frees itself after
    /// <paramref name="LeaseSeconds"/>. Replies <see cref="Admitted"/> or <see cref="Rejected"/>, each with the
    /// channel's health so that the caller's node plans with fresh numbers.
    /// </summary>
    public sealed record Admit(string ChannelId, string RequestId, int LeaseSeconds, long Tokens) : IWithChannelId;

    /// <summary>Reports how an admitted call ended and frees its slot. Idempotent per request id.</summary>
    public sealed record Release(string ChannelId, string RequestId, CallOutcome Outcome) : IWithChannelId;

    /// <param name="Probe">The call is one of a half-open breaker's probes.</param>
    public sealed record Admitted(string RequestId, bool Probe, ChannelHealth Health) : IActorRelayMessage;

    /// <param name="RetryAfterSeconds">When trying this channel again makes sense (a slot, the breaker's cool-down, the quota).</param>
    public sealed record Rejected(string RequestId, RejectionReason Reason, string Message, double RetryAfterSeconds, ChannelHealth Health) : IActorRelayMessage;

    /// <summary>The rejection of a call that found every one of the channel's <paramref name="maxConcurrency"/> slots taken.</summary>
    public static Rejected AtConcurrencyLimit(string requestId, int maxConcurrency, ChannelHealth health) =>
        new(requestId, RejectionReason.ConcurrencyLimit, $"Channel '{health.ChannelId}' is at its concurrency limit of {maxConcurrency}.", 1, health);

    /// <summary>
    /// A node's lease holder reports on its slice of the channel and asks for the next one (see <see cref="ChannelLease"/>);
    /// the sender is the holder, and the entity replies <see cref="LeaseGranted"/>. One report per holder is in flight at a
    /// time. <paramref name="Floor"/> is what the node may still have in flight under what it was granted (it stays
    /// counted against the concurrency limit until a later report lowers it); <paramref name="Peak"/> is the node's
    /// demand since its last report (the most calls it had in flight, counting those that found no local slot).
    /// <paramref name="Idle"/> gives the whole slice back. The entity forgets the node when it stops reporting for
    /// <paramref name="LeaseSeconds"/>.
    /// </summary>
    /// <param name="RequestsLeft">Unspent vendor-quota requests the node still holds; <paramref name="TokensLeft"/> likewise.</param>
    /// <param name="ReturnedRequests">Quota requests handed back with this report; <paramref name="ReturnedTokens"/> likewise.</param>
    /// <param name="LargestCall">The most tokens one call asked for since the last report, to size the token slice.</param>
    public sealed record RenewLease(
        string ChannelId,
        long Seq,
        int LeaseSeconds,
        int Floor,
        int InFlight,
        int Peak,
        bool Idle,
        long RequestsLeft,
        long TokensLeft,
        long ReturnedRequests,
        long ReturnedTokens,
        long LargestCall,
        LeaseOutcomes Outcomes) : IWithChannelId;

    /// <summary>
    /// The node may have up to <paramref name="Slots"/> calls in flight on its own (zero: ask per call, as while the breaker
    /// is not closed); when <paramref name="Metered"/>, each call also spends one of the quota requests and its token
    /// estimate from the node's allowance, to which this grant adds <paramref name="Requests"/> and <paramref name="Tokens"/>.
    /// <paramref name="Saturated"/>: every slot of the channel's <paramref name="MaxConcurrency"/> is taken or granted, so
    /// a call that finds the node's slots full is refused on the node instead of asking the entity.
    /// </summary>
    public sealed record LeaseGranted(
        string ChannelId,
        long Seq,
        int Slots,
        bool Saturated,
        int MaxConcurrency,
        bool Metered,
        long Requests,
        long Tokens,
        ChannelHealth Health) : IActorRelayMessage;

    /// <summary>Pushed to every holder when the breaker opens: stop admitting on the slice at once and ask per call.</summary>
    public sealed record LeaseRevoked(string ChannelId, ChannelHealth Health) : IActorRelayMessage;
}

/// <summary>
/// What a node decided on its lease since its last report (calls admitted, and refused while the channel was saturated)
/// and how its calls ended, for the breaker, latency and stats.
/// </summary>
/// <param name="HealthyLatencyMs">The sum of the healthy calls' latencies (time to the first token).</param>
/// <param name="Readmitted">
/// Of <paramref name="Admitted"/>, the calls the entity had refused for want of a slot that the slice then took: their
/// refusals are taken back.
/// </param>
public sealed record LeaseOutcomes(int Admitted, int Rejected, int Succeeded, int Failed, int Cancelled, double HealthyLatencyMs, int Readmitted = 0)
{
    public static readonly LeaseOutcomes None = new(0, 0, 0, 0, 0, 0);
}

public enum RejectionReason
{
    ConcurrencyLimit = 0,
    UnknownChannel = 1,
    CircuitOpen = 2,
    RateLimited = 3,
}

/// <summary>What a call's outcome tells about the channel, for its circuit breaker.</summary>
public enum CallVerdict
{
    /// <summary>The channel answered (a success, or a client error such as 400 that is not the channel's fault).</summary>
    Healthy = 0,

    /// <summary>Connect error, timeout, 429, 5xx or a broken stream.</summary>
    Failed = 1,

    /// <summary>The call ended without telling anything about the channel (the client left).</summary>
    Cancelled = 2,
}

/// <summary>The outcome of one upstream call as the channel learns it; <paramref name="LatencyMs"/> is the time to the first token.</summary>
public sealed record CallOutcome(CallVerdict Verdict, int HttpStatus, double LatencyMs, long InputTokens, long OutputTokens);

/// <summary>
/// What every node needs to plan calls over a channel: whether its breaker admits calls, its latency moving average
/// and its calls in flight (cluster-wide). Carried on every admission reply and lease grant, and polled about once a
/// second.
/// </summary>
public sealed record ChannelHealth(string ChannelId, bool Available, CircuitState Circuit, double LatencyEwmaMs, int InFlight) : IActorRelayMessage;

public static class ChannelQueries
{
    public sealed record GetChannelStats(string ChannelId) : IWithChannelId;

    public sealed record GetChannelHealth(string ChannelId) : IWithChannelId;

    public sealed record ChannelStats(
        string ChannelId,
        int InFlight,
        int MaxConcurrency,
        long Admitted,
        long Rejected,
        long Succeeded,
        long Failed,
        double LatencyEwmaMs,
        CircuitBreakerSnapshot Breaker) : IActorRelayMessage;
}
