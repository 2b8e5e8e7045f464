using ActorRelay.Core;

namespace ActorRelay.Actors.Channels;

/// <summary>Routes a message to the sharded channel entity named by <see cref="ChannelId"/>.</summary>
public interface IWithChannelId : IActorRelayMessage
{
    string ChannelId { get; }
}

public static class ChannelCommands
{
    /// <summary>
    /// Asks the channel to admit one call. The admission is a lease: if the caller never reports the
    /// outcome (its node died), the slot frees itself after <paramref name="LeaseSeconds"/>.
    /// Replies <see cref="Admitted"/> or <see cref="Rejected"/>.
    /// </summary>
    public sealed record Admit(string ChannelId, string RequestId, int LeaseSeconds) : IWithChannelId;

    /// <summary>Reports how an admitted call ended and frees its slot. Idempotent per request id.</summary>
    public sealed record Release(string ChannelId, string RequestId, CallOutcome Outcome) : IWithChannelId;

    public sealed record Admitted(string RequestId) : IActorRelayMessage;

    public sealed record Rejected(string RequestId, RejectionReason Reason, string Message) : IActorRelayMessage;
}

public enum RejectionReason
{
    ConcurrencyLimit = 0,
    UnknownChannel = 1,
}

/// <summary>The outcome of one upstream call as the channel learns it.</summary>
public sealed record CallOutcome(bool Succeeded, int HttpStatus, double LatencyMs, long InputTokens, long OutputTokens);

public static class ChannelQueries
{
    public sealed record GetChannelStats(string ChannelId) : IWithChannelId;

    public sealed record ChannelStats(
        string ChannelId,
        int InFlight,
        int MaxConcurrency,
        long Admitted,
        long Rejected,
        long Succeeded,
        long Failed,
        double LatencyEwmaMs) : IActorRelayMessage;
}
