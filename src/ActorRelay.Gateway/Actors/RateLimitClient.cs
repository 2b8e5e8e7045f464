using System.Collections.Concurrent;
using ActorRelay.Actors.RateLimiting;
using ActorRelay.Core.Policy;
using ActorRelay.Gateway.Access;
using ActorRelay.Gateway.Options;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.Options;

namespace ActorRelay.Gateway.Actors;

/// <summary>
/// The HTTP side's handle on the per-tenant rate-limit entities. The limits of a call's key and tenant come from
/// configuration; a call with neither limited costs nothing. Each node spends rate allowances locally: the entity
/// grants a lease of further calls' worth (taken from its buckets, so all nodes together stay within the limits) with
/// every call it admits, and the node admits the next calls from that lease under a small lock until it runs out.
/// A lease unused for <see cref="IdleAfter"/> goes back to the buckets. Leases are sized at a tenth of the limit
/// (at most <see cref="MaxLeaseCalls"/> calls), so a limit of a few calls a minute is still decided call by call.
/// </summary>
internal sealed class RateLimitClient : IDisposable
{
    private const int MaxLeaseCalls = 64;
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan IdleAfter = TimeSpan.FromSeconds(2);

    private readonly IRequiredActor<RateLimitActor> _limiters;
    private readonly IOptionsMonitor<GatewayOptions> _options;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, Allowance> _tenants = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Allowance> _keys = new(StringComparer.Ordinal);
    private readonly ITimer _returnIdle;

    public RateLimitClient(IRequiredActor<RateLimitActor> limiters, IOptionsMonitor<GatewayOptions> options, TimeProvider time)
    {
        _limiters = limiters;
        _options = options;
        _time = time;
        _returnIdle = time.CreateTimer(_ => ReturnIdle(), null, IdleAfter, IdleAfter);
    }

    /// <summary>
    /// Null when neither the key nor the tenant is limited, else the decision: from this node's lease without an
    /// allocation or a message when it covers the call, else from the entity.
    /// </summary>
    public ValueTask<RateLimitCommands.Acquired?> AcquireAsync(Caller caller, long tokens, CancellationToken cancellationToken)
    {
        var (tenantLimits, keyLimits) = LimitsOf(caller);
        if (tenantLimits is null && keyLimits is null)
        {
            return ValueTask.FromResult<RateLimitCommands.Acquired?>(null);
        }

        var tenant = tenantLimits is null ? null : Current(_tenants, caller.TenantId, caller.TenantId, tenantLimits);
        var key = keyLimits is null ? null : Current(_keys, caller.KeyId!, caller.TenantId, keyLimits);
        return TryTakeLocally(tenant, key, tokens) is { } local
            ? ValueTask.FromResult<RateLimitCommands.Acquired?>(local)
            : new ValueTask<RateLimitCommands.Acquired?>(RefillAsync(caller, tenant, key, tenantLimits, keyLimits, tokens, cancellationToken));
    }

    /// <summary>
    /// One ask at a time per scope: calls that find the lease empty meanwhile wait for it, then spend what it brought.
    /// Another call's answer admits only that call, so a call that twice found the lease spent again asks for itself.
    /// </summary>
    private async Task<RateLimitCommands.Acquired?> RefillAsync(
        Caller caller, Allowance? tenant, Allowance? key, RateLimits? tenantLimits, RateLimits? keyLimits, long tokens, CancellationToken cancellationToken)
    {
        var refills = key ?? tenant!;
        for (var attempt = 0; ; attempt++)
        {
            if (attempt > 0 && TryTakeLocally(tenant, key, tokens) is { } local)
            {
                return local;
            }

            var (refill, mine) = attempt < 2 ? refills.BeginRefill(Ask) : (Ask(), true);
            RateLimitCommands.Acquired acquired;
            try
            {
                acquired = await refill;
            }
            catch (Exception) when (!mine)
            {
                // Another call's ask failed (it timed out or was cancelled with its client): this call tries again.
                continue;
            }

            if (mine)
            {
                return acquired.Allowed || TryTakeLocally(tenant, key, tokens) is not { } retried ? acquired : retried;
            }
        }

        Task<RateLimitCommands.Acquired> Ask() => AskAsync(caller, tenant, key, tenantLimits, keyLimits, tokens, cancellationToken);
    }

    private async Task<RateLimitCommands.Acquired> AskAsync(
        Caller caller, Allowance? tenant, Allowance? key, RateLimits? tenantLimits, RateLimits? keyLimits, long tokens, CancellationToken cancellationToken)
    {
        var region = await _limiters.GetAsync(cancellationToken);
        var leaseCalls = (int)Math.Clamp(Math.Min(tenantLimits?.RequestsPerMinute ?? long.MaxValue, keyLimits?.RequestsPerMinute ?? long.MaxValue) / 10, 1, MaxLeaseCalls);
        var acquired = await region.Ask<RateLimitCommands.Acquired>(
            new RateLimitCommands.Acquire(caller.TenantId, keyLimits is null ? null : caller.KeyId, tenantLimits, keyLimits, tokens, leaseCalls), AskTimeout, cancellationToken);
        if (acquired.Allowed)
        {
            tenant?.Add(acquired.TenantLease, acquired.Tenant, _time.GetUtcNow());
            key?.Add(acquired.KeyLease, acquired.Key, _time.GetUtcNow());
        }

        return acquired;
    }

    /// <summary>Whether a tokens-per-minute limit applies to the caller (only then is its prompt worth counting).</summary>
    public bool CountsTokens(Caller caller)
    {
        var (tenantLimits, keyLimits) = LimitsOf(caller);
        return tenantLimits?.LimitsTokens == true || keyLimits?.LimitsTokens == true;
    }

    /// <summary>Returns the tokens an admitted call reserved but did not use: to this node's lease, spent by its next calls.</summary>
    public void GiveBack(Caller caller, long tokens)
    {
        if (tokens <= 0)
        {
            return;
        }

        var now = _time.GetUtcNow();
        if (_tenants.TryGetValue(caller.TenantId, out var tenant))
        {
            tenant.Add(new RateGrant(0, tokens), null, now);
        }

        if (caller.KeyId is not null && _keys.TryGetValue(caller.KeyId, out var key))
        {
            key.Add(new RateGrant(0, tokens), null, now);
        }
    }

    public void Dispose() => _returnIdle.Dispose();

    /// <summary>Takes one call from both leases (or neither); null when one of them cannot cover it.</summary>
    private RateLimitCommands.Acquired? TryTakeLocally(Allowance? tenant, Allowance? key, long tokens)
    {
        var now = _time.GetUtcNow();
        // Always the tenant's lock first, then the key's: two calls never wait for each other in opposite orders.
        lock (tenant ?? key!)
        {
            lock (key ?? tenant!)
            {
                if ((tenant is not null && !tenant.Covers(tokens)) || (key is not null && !key.Covers(tokens)))
                {
                    return null;
                }

                return new RateLimitCommands.Acquired(true, key?.Take(tokens, now), tenant?.Take(tokens, now));
            }
        }
    }

    /// <summary>The lease of one scope for its current limits; a changed limit gives the old lease back first.</summary>
    private Allowance Current(ConcurrentDictionary<string, Allowance> leases, string id, string tenantId, RateLimits limits)
    {
        var lease = leases.GetOrAdd(id, _ => new Allowance(tenantId, limits));
        if (lease.Limits == limits)
        {
            return lease;
        }

        Return(leases, id, lease);
        return leases.GetOrAdd(id, _ => new Allowance(tenantId, limits));
    }

    private void ReturnIdle()
    {
        var now = _time.GetUtcNow();
        foreach (var leases in (ReadOnlySpan<ConcurrentDictionary<string, Allowance>>)[_tenants, _keys])
        {
            foreach (var (id, lease) in leases)
            {
                if (now - lease.LastUsed > IdleAfter)
                {
                    Return(leases, id, lease);
                }
            }
        }
    }

    private void Return(ConcurrentDictionary<string, Allowance> leases, string id, Allowance lease)
    {
        if (!leases.TryRemove(new KeyValuePair<string, Allowance>(id, lease)))
        {
            return;
        }

        var unused = lease.TakeAll();
        if (unused.IsEmpty)
        {
            return;
        }

        // Tenant leases are kept by tenant id, key leases by key id; both live in the tenant's entity.
        _limiters.ActorRef.Tell(ReferenceEquals(leases, _tenants)
            ? new RateLimitCommands.GiveBack(lease.TenantId, null, unused, default)
            : new RateLimitCommands.GiveBack(lease.TenantId, id, default, unused));
    }

    private (RateLimits? Tenant, RateLimits? Key) LimitsOf(Caller caller)
    {
        var limits = _options.CurrentValue.RateLimits;
        var tenant = (limits.Tenants.GetValueOrDefault(caller.TenantId) ?? limits.DefaultTenant).ToLimits();
        var key = caller.KeyId is null ? null : (limits.Keys.GetValueOrDefault(caller.KeyId) ?? limits.DefaultKey).ToLimits();
        return (tenant, key);
    }

    /// <summary>
    /// What this node may still spend of one scope's buckets, and the entity's last decision for it (its remaining
    /// counts then covered this lease; each local call counts down from them). Read and written under its own lock.
    /// </summary>
    private sealed class Allowance(string tenantId, RateLimits limits)
    {
        private RateGrant _left;
        private RateDecision? _decision;
        private Task<RateLimitCommands.Acquired>? _refill;
        private long _requestsSince;
        private long _tokensSince;

        public RateLimits Limits { get; } = limits;

        public string TenantId { get; } = tenantId;

        public DateTimeOffset LastUsed { get; private set; }

        public bool Covers(long tokens) => _left.Requests >= 1 && _left.Tokens >= tokens;

        public RateDecision Take(long tokens, DateTimeOffset now)
        {
            _left = new RateGrant(_left.Requests - 1, _left.Tokens - tokens);
            _requestsSince++;
            _tokensSince += tokens;
            LastUsed = now;
            var last = _decision!.Value;
            return last with
            {
                RemainingRequests = Math.Max(0, last.RemainingRequests - _requestsSince),
                RemainingTokens = Math.Max(0, last.RemainingTokens - _tokensSince),
            };
        }

        public void Add(RateGrant grant, RateDecision? decision, DateTimeOffset now)
        {
            lock (this)
            {
                _left = new RateGrant(_left.Requests + grant.Requests, _left.Tokens + grant.Tokens);
                if (decision is not null)
                {
                    _decision = decision;
                    (_requestsSince, _tokensSince) = (0, 0);
                }

                LastUsed = now;
            }
        }

        /// <summary>The ask in flight for this scope, or a new one from <paramref name="ask"/>; true when it is the caller's own.</summary>
        public (Task<RateLimitCommands.Acquired> Refill, bool Mine) BeginRefill(Func<Task<RateLimitCommands.Acquired>> ask)
        {
            lock (this)
            {
                if (_refill is { IsCompleted: false } running)
                {
                    return (running, false);
                }

                _refill = ask();
                return (_refill, true);
            }
        }

        public RateGrant TakeAll()
        {
            lock (this)
            {
                var left = _left;
                _left = default;
                return left;
            }
        }
    }
}
