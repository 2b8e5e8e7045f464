using ActorRelay.Core.Policy;

namespace ActorRelay.Actors.Channels;

/// <summary>
/// The node-local view of configured channels that channel entities read their policy from. It is fed by
/// configuration and may change at run time; entities read it on every decision.
/// </summary>
public interface IChannelDirectory
{
    /// <summary>The channel's policy, or null when no such channel is configured.</summary>
    ChannelPolicy? Policy(string channelId);
}

/// <summary>How a channel entity admits calls: its concurrency limit, circuit breaker rules and vendor quota (null: none).</summary>
public sealed record ChannelPolicy(int MaxConcurrency, CircuitBreakerOptions Breaker, RateLimits? Quota);
