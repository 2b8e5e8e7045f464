using ActorRelay.Actors.RateLimiting;
using ActorRelay.Gateway.Access;
using ActorRelay.Gateway.Options;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.Options;

namespace ActorRelay.Gateway.Actors;

/// <summary>
/// The HTTP side's handle on the per-tenant rate-limit entities. The limits of a call's key and tenant come from
/// configuration; a call with neither limited costs no ask at all.
/// </summary>
internal sealed class RateLimitClient(IRequiredActor<RateLimitActor> limiters, IOptionsMonitor<GatewayOptions> options)
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Null when neither the key nor the tenant is limited, else the entity's decision.</summary>
    public async Task<RateLimitCommands.Acquired?> AcquireAsync(Caller caller, long tokens, CancellationToken cancellationToken)
    {
        var (tenantLimits, keyLimits) = LimitsOf(caller);
        if (tenantLimits is null && keyLimits is null)
        {
            return null;
        }

        var region = await limiters.GetAsync(cancellationToken);
        return await region.Ask<RateLimitCommands.Acquired>(
            new RateLimitCommands.Acquire(caller.TenantId, keyLimits is null ? null : caller.KeyId, tenantLimits, keyLimits, tokens), AskTimeout, cancellationToken);
    }

    /// <summary>Whether a tokens-per-minute limit applies to the caller (only then is its prompt worth counting).</summary>
    public bool CountsTokens(Caller caller)
    {
        var (tenantLimits, keyLimits) = LimitsOf(caller);
        return tenantLimits?.TokensPerMinute > 0 || keyLimits?.TokensPerMinute > 0;
    }

    /// <summary>Returns the tokens an admitted call reserved but did not use.</summary>
    public async Task GiveBackAsync(Caller caller, long tokens)
    {
        if (tokens <= 0)
        {
            return;
        }

        var region = await limiters.GetAsync();
        region.Tell(new RateLimitCommands.GiveBack(caller.TenantId, caller.KeyId, tokens));
    }

    private (Core.Policy.RateLimits? Tenant, Core.Policy.RateLimits? Key) LimitsOf(Caller caller)
    {
        var limits = options.CurrentValue.RateLimits;
        var tenant = (limits.Tenants.GetValueOrDefault(caller.TenantId) ?? limits.DefaultTenant).ToLimits();
        var key = caller.KeyId is null ? null : (limits.Keys.GetValueOrDefault(caller.KeyId) ?? limits.DefaultKey).ToLimits();
        return (tenant, key);
    }
}
