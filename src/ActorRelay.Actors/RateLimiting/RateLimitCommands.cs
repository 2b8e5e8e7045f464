using ActorRelay.Core;
using ActorRelay.Core.Policy;

namespace ActorRelay.Actors.RateLimiting;

/// <summary>Routes a message to the rate-limit entity of one tenant, which holds the buckets of the tenant and its keys.</summary>
public interface IWithRateTenantId : IActorRelayMessage
{
    string TenantId { get; }
}

public static class RateLimitCommands
{
    /// <summary>
    /// Takes one request and <paramref name="Tokens"/> tokens from the key's and the tenant's buckets, from both or
    /// from neither. When the call is allowed, also takes up to <paramref name="LeaseCalls"/> - 1 more calls' worth from
    /// each limited bucket as the asking node's lease, which it spends locally before it asks again. The limits travel
    /// with the call (they come from configuration, which every node holds); a scope without limits is not limited.
    /// Replies <see cref="Acquired"/>.
    /// </summary>
    public sealed record Acquire(string TenantId, string? KeyId, RateLimits? TenantLimits, RateLimits? KeyLimits, long Tokens, int LeaseCalls = 1)
        : IWithRateTenantId;

    /// <param name="Key">The key's decision, when the key is limited.</param>
    /// <param name="Tenant">The tenant's decision, when the tenant is limited.</param>
    /// <param name="KeyLease">What the node may spend locally from the key's bucket beyond this call.</param>
    /// <param name="TenantLease">What the node may spend locally from the tenant's bucket beyond this call.</param>
    public sealed record Acquired(bool Allowed, RateDecision? Key, RateDecision? Tenant, RateGrant KeyLease = default, RateGrant TenantLease = default)
        : IActorRelayMessage;

    /// <summary>Gives back to the buckets what a node took but did not use: tokens of finished calls, an idle lease.</summary>
    public sealed record GiveBack(string TenantId, string? KeyId, RateGrant Tenant, RateGrant Key) : IWithRateTenantId;
}

/// <summary>Requests and tokens taken from (or given back to) one bucket pair.</summary>
public readonly record struct RateGrant(long Requests, long Tokens)
{
    public bool IsEmpty => Requests <= 0 && Tokens <= 0;
}
