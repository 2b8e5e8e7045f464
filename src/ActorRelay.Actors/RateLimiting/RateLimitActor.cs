using ActorRelay.Core.Policy;
using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Hosting;

namespace ActorRelay.Actors.RateLimiting;

/// <summary>
/// The requests-per-minute and tokens-per-minute buckets of one tenant and of its keys, sharded by tenant id, so that
/// every node of the cluster draws from the same buckets: N nodes together admit no more than the limit. One ask
/// per call covers both scopes atomically, and grants the asking node a lease of further calls' worth, which it spends
/// locally: leases are taken from the buckets, so N nodes together still admit no more than the limit. Soft state: a
/// restarted entity starts with full buckets.
/// </summary>
public sealed class RateLimitActor : ReceiveActor
{
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromMinutes(5);

    private readonly Dictionary<string, RateLimiter> _keys = new(StringComparer.Ordinal);
    private RateLimiter? _tenant;

    public RateLimitActor()
    {
        Receive<RateLimitCommands.Acquire>(HandleAcquire);
        Receive<RateLimitCommands.GiveBack>(HandleGiveBack);
        Receive<ReceiveTimeout>(_ => Context.Parent.Tell(new Passivate(PoisonPill.Instance)));
    }

    protected override void PreStart() => Context.SetReceiveTimeout(IdleTimeout);

    private void HandleAcquire(RateLimitCommands.Acquire acquire)
    {
        var now = DateTimeOffset.UtcNow.UtcTicks;
        _tenant = Current(_tenant, acquire.TenantLimits, now);
        var key = acquire.KeyId is null ? null : Current(_keys.GetValueOrDefault(acquire.KeyId), acquire.KeyLimits, now);
        if (acquire.KeyId is not null)
        {
            if (key is null)
            {
                _keys.Remove(acquire.KeyId);
            }
            else
            {
                _keys[acquire.KeyId] = key;
            }
        }

        var tenantAllows = _tenant?.WouldAllow(now, acquire.Tokens) ?? true;
        var keyAllows = key?.WouldAllow(now, acquire.Tokens) ?? true;
        var allowed = tenantAllows && keyAllows;

        // Decide takes from a bucket only when it allows the call; a scope that would allow is left untouched when the
        // other refuses, so that nothing is taken from either.
        var tenantDecision = _tenant is not null && (allowed || !tenantAllows) ? _tenant.Decide(now, acquire.Tokens) : (RateDecision?)null;
        var keyDecision = key is not null && (allowed || !keyAllows) ? key.Decide(now, acquire.Tokens) : (RateDecision?)null;
        var extra = Math.Max(0, acquire.LeaseCalls - 1);
        Sender.Tell(new RateLimitCommands.Acquired(
            allowed, keyDecision, tenantDecision,
            allowed ? Lease(key, now, extra, acquire.Tokens) : default,
            allowed ? Lease(_tenant, now, extra, acquire.Tokens) : default));
    }

    /// <summary>Up to <paramref name="calls"/> more calls' worth: as many requests as the bucket has, and their tokens.</summary>
    private static RateGrant Lease(RateLimiter? limiter, long now, int calls, long tokensPerCall)
    {
        if (limiter is null || calls == 0)
        {
            return default;
        }

        var requests = limiter.Requests.TryTakeBatch(calls, now);
        return new RateGrant(requests, limiter.Tokens.TryTakeBatch(requests * tokensPerCall, now));
    }

    private void HandleGiveBack(RateLimitCommands.GiveBack giveBack)
    {
        Give(_tenant, giveBack.Tenant);
        if (giveBack.KeyId is not null && _keys.TryGetValue(giveBack.KeyId, out var key))
        {
            Give(key, giveBack.Key);
        }
    }

    private static void Give(RateLimiter? limiter, RateGrant grant)
    {
        limiter?.Requests.GiveBack(Math.Max(0, grant.Requests));
        limiter?.Tokens.GiveBack(Math.Max(0, grant.Tokens));
    }

    private static RateLimiter? Current(RateLimiter? limiter, RateLimits? limits, long now) =>
        limits is null ? null
        : limiter is null ? new RateLimiter(limits, now)
        : limiter.Limits == limits ? limiter
        : limiter.Resize(limits, now);
}

public sealed class RateLimitMessageExtractor() : HashCodeMessageExtractor(ShardCount)
{
    public const int ShardCount = 50;

    public override string? EntityId(object message) => message is IWithRateTenantId withId ? withId.TenantId : null;
}

public static class RateLimitActorHostingExtensions
{
    public const string RegionName = "rate-limit";

    public static AkkaConfigurationBuilder AddRateLimitActor(this AkkaConfigurationBuilder builder, ShardOptions shardOptions) =>
        builder.WithShardRegion<RateLimitActor>(
            RegionName,
            _ => Props.Create(() => new RateLimitActor()),
            new RateLimitMessageExtractor(),
            shardOptions);
}
