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
    /// from neither. The limits travel with the call (they come from configuration, which every node holds); a
    /// scope without limits is not limited. Replies <see cref="Acquired"/>.
    /// </summary>
    public sealed record Acquire(string TenantId, string? KeyId, RateLimits? TenantLimits, RateLimits? KeyLimits, long Tokens) : IWithRateTenantId;

    /// <param name="Key">The key's decision, when the key is limited.</param>
    /// <param name="Tenant">The tenant's decision, when the tenant is limited.</param>
    public sealed record Acquired(bool Allowed, RateDecision? Key, RateDecision? Tenant) : IActorRelayMessage;

    /// <summary>Gives back the tokens an admitted call reserved but did not use.</summary>
    public sealed record GiveBack(string TenantId, string? KeyId, long Tokens) : IWithRateTenantId;
}
