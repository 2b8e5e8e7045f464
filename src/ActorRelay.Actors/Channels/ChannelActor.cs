using ActorRelay.Core.Policy;
using Akka;
using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Event;
using Akka.Hosting;

namespace ActorRelay.Actors.Channels;

/// <summary>
/// One vendor channel, sharded by channel id. It decides admission (circuit breaker, vendor quota, concurrency) and
/// learns each call's outcome (breaker, latency moving average); it never performs the upstream call itself. Its
/// state is soft: after a restart it starts closed and empty, and leases of callers that vanished expire on their own.
/// </summary>
/// <remarks>
/// Calls are admitted two ways. While the breaker is closed, each node's <see cref="ChannelLesseeActor"/> holds a
/// slice (<see cref="ChannelCommands.RenewLease"/>): slots that stay counted here until the node reports them free, and
/// quota taken from the buckets beforehand, so that the slices and the per-call leases together never exceed the
/// concurrency limit or the quota. A node's slice is its recent demand plus a chunk of an eighth of the limit, and no
/// more than its fair share while nodes compete. Every other call is admitted exactly by <see cref="ChannelCommands.Admit"/>,
/// which is also the only way in while the breaker is open or half-open: when it opens, every slice is revoked at once.
/// </remarks>
public sealed class ChannelActor : ReceiveActor, IWithTimers
{
    private const double LatencySmoothing = 0.2;
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan ContentionWindow = TimeSpan.FromSeconds(1);

    private readonly string _channelId;
    private readonly IChannelDirectory _directory;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, Lease> _leases = new(StringComparer.Ordinal);
    private readonly Dictionary<IActorRef, Lessee> _lessees = new();
    private CircuitBreakerOptions? _breakerOptions;
    private CircuitBreaker? _breaker;
    private RateLimiter? _quota;
    private long _admitted;
    private long _rejected;
    private long _succeeded;
    private long _failed;
    private double _latencyEwmaMs;
    private DateTimeOffset _contendedUntil;

    public ChannelActor(string channelId, IChannelDirectory directory)
    {
        _channelId = channelId;
        _directory = directory;

        Receive<ChannelCommands.Admit>(HandleAdmit);
        Receive<ChannelCommands.Release>(HandleRelease);
        Receive<ChannelCommands.RenewLease>(HandleRenewLease);
        Receive<ChannelQueries.GetChannelStats>(_ => Sender.Tell(Stats()));
        Receive<ChannelQueries.GetChannelHealth>(_ => Sender.Tell(Health(DateTimeOffset.UtcNow)));
        Receive<SweepExpiredLeases>(_ => SweepLeases(DateTimeOffset.UtcNow));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart() =>
        Timers.StartPeriodicTimer(nameof(SweepExpiredLeases), SweepExpiredLeases.Instance, SweepInterval);

    private void HandleAdmit(ChannelCommands.Admit admit)
    {
        var now = DateTimeOffset.UtcNow;
        var policy = _directory.Policy(_channelId);
        if (policy is null)
        {
            Reject(admit, RejectionReason.UnknownChannel, $"Channel '{_channelId}' is not configured.", TimeSpan.Zero, now);
            return;
        }

        var breaker = Breaker(policy);
        if (_leases.ContainsKey(admit.RequestId))
        {
            Sender.Tell(new ChannelCommands.Admitted(admit.RequestId, _leases[admit.RequestId].Probe, Health(now)));
            return;
        }

        if (!breaker.CanAdmit(now))
        {
            var opensAt = breaker.Snapshot(now).HalfOpensAt ?? now.AddSeconds(1);
            Reject(admit, RejectionReason.CircuitOpen, $"Channel '{_channelId}' is shedding calls: its circuit breaker is {breaker.State}.", opensAt - now, now);
            return;
        }

        if (_leases.Count + Reserved(null) >= policy.MaxConcurrency)
        {
            SweepLeases(now);
        }

        if (_leases.Count + Reserved(null) >= policy.MaxConcurrency)
        {
            if (_lessees.Count > 0)
            {
                _contendedUntil = now + ContentionWindow;
            }

            _rejected++;
            Sender.Tell(ChannelCommands.AtConcurrencyLimit(admit.RequestId, policy.MaxConcurrency, Health(now)));
            return;
        }

        var quota = Quota(policy, now);
        if (quota is not null)
        {
            var decision = quota.Decide(now.UtcTicks, admit.Tokens);
            if (!decision.Allowed)
            {
                Reject(admit, RejectionReason.RateLimited,
                    $"Channel '{_channelId}' reached its vendor quota of {decision.LimitRequests} requests and {decision.LimitTokens} tokens per minute.",
                    decision.TooLarge ? TimeSpan.FromMinutes(1) : decision.RetryAfter, now);
                return;
            }
        }

        breaker.TryAdmit(now, out var probe);
        _leases[admit.RequestId] = new Lease(now.AddSeconds(admit.LeaseSeconds), admit.Tokens, probe);
        _admitted++;
        Sender.Tell(new ChannelCommands.Admitted(admit.RequestId, probe, Health(now)));
    }

    private void Reject(ChannelCommands.Admit admit, RejectionReason reason, string message, TimeSpan retryAfter, DateTimeOffset now)
    {
        _rejected++;
        Sender.Tell(new ChannelCommands.Rejected(admit.RequestId, reason, message, Math.Max(0, retryAfter.TotalSeconds), Health(now)));
    }

    private void HandleRelease(ChannelCommands.Release release)
    {
        if (!_leases.Remove(release.RequestId, out var lease))
        {
            return;
        }

        var now = DateTimeOffset.UtcNow;
        var outcome = release.Outcome;
        _quota?.Tokens.GiveBack(Math.Max(0, lease.Tokens - outcome.InputTokens - outcome.OutputTokens));

        // While half-open only the probes speak for the channel; a call admitted before the breaker opened does not.
        var breaker = _breaker?.State == CircuitState.HalfOpen && !lease.Probe ? null : _breaker;
        switch (outcome.Verdict)
        {
            case CallVerdict.Healthy:
                _succeeded++;
                breaker?.OnSuccess(now);
                LearnLatency(1, outcome.LatencyMs);
                break;
            case CallVerdict.Failed:
                _failed++;
                if (breaker is not null)
                {
                    Fail(breaker, 1, now, $"HTTP {outcome.HttpStatus}");
                }

                break;
            default:
                breaker?.OnCancelled();
                break;
        }
    }

    private void HandleRenewLease(ChannelCommands.RenewLease report)
    {
        var now = DateTimeOffset.UtcNow;
        var policy = _directory.Policy(_channelId);
        var breaker = policy is null ? _breaker : Breaker(policy);
        var quota = policy is null ? null : Quota(policy, now);
        quota?.Requests.GiveBack(Math.Max(0, report.ReturnedRequests));
        quota?.Tokens.GiveBack(Math.Max(0, report.ReturnedTokens));

        // The slice's calls were all admitted while the breaker was closed; once it is not, only probes speak for the channel.
        var outcomes = report.Outcomes;
        _admitted += outcomes.Admitted;
        _rejected += outcomes.Rejected - outcomes.Readmitted;
        _succeeded += outcomes.Succeeded;
        _failed += outcomes.Failed;
        var closed = breaker?.State == CircuitState.Closed ? breaker : null;
        for (var i = 0; i < outcomes.Succeeded; i++)
        {
            closed?.OnSuccess(now);
        }

        LearnLatency(outcomes.Succeeded, outcomes.Succeeded == 0 ? 0 : outcomes.HealthyLatencyMs / outcomes.Succeeded);
        if (closed is not null && outcomes.Failed > 0)
        {
            Fail(closed, outcomes.Failed, now, $"{outcomes.Failed} failure(s) reported by a node");
        }

        var slots = 0;
        var saturated = false;
        long requests = 0;
        long tokens = 0;
        if (policy is not null && breaker?.State == CircuitState.Closed && !report.Idle)
        {
            var free = policy.MaxConcurrency - _leases.Count - Reserved(Sender) - report.Floor;
            var wanted = report.Peak + Chunk(policy.MaxConcurrency);
            slots = Math.Min(wanted, report.Floor + Math.Max(0, free));
            if (slots < wanted)
            {
                _contendedUntil = now + ContentionWindow;
            }

            if (now < _contendedUntil)
            {
                var lessees = _lessees.Count + (_lessees.ContainsKey(Sender) ? 0 : 1);
                slots = Math.Min(slots, (policy.MaxConcurrency + lessees - 1) / lessees);
            }

            saturated = slots < wanted;

            if (quota is not null && slots > 0)
            {
                var limits = quota.Limits;
                requests = quota.Requests.TryTakeBatch(Math.Max(0, Chunk(limits.RequestsPerMinute) - report.RequestsLeft), now.UtcTicks);
                var tokenSlice = Math.Min(limits.TokensPerMinute, Math.Max(Chunk(limits.TokensPerMinute), 2 * report.LargestCall));
                tokens = quota.Tokens.TryTakeBatch(Math.Max(0, tokenSlice - report.TokensLeft), now.UtcTicks);
            }
        }

        // A node that got nothing stays a lessee: it counts for the fair share until it gives up (idle) or goes silent.
        if (report.Idle)
        {
            _lessees.Remove(Sender);
        }
        else
        {
            _lessees[Sender] = new Lessee(Math.Max(report.Floor, slots), report.InFlight, now.AddSeconds(report.LeaseSeconds));
        }

        Sender.Tell(new ChannelCommands.LeaseGranted(
            _channelId, report.Seq, slots, saturated, policy?.MaxConcurrency ?? 0, quota is not null, requests, tokens, Health(now)));
    }

    /// <summary>Slots the lessees hold against the concurrency limit, leaving out <paramref name="except"/>.</summary>
    private int Reserved(IActorRef? except)
    {
        var reserved = 0;
        foreach (var (holder, lessee) in _lessees)
        {
            if (!holder.Equals(except))
            {
                reserved += lessee.Reserved;
            }
        }

        return reserved;
    }

    /// <summary>The slice added to a node's demand: an eighth of the limit (a minute's quota: a twentieth), at least one.</summary>
    private static int Chunk(int limit) => Math.Max(1, limit / 8);

    private static long Chunk(long perMinute) => Math.Max(1, perMinute / 20);

    private void LearnLatency(int calls, double meanMs)
    {
        if (calls == 0)
        {
            return;
        }

        var kept = Math.Pow(1 - LatencySmoothing, calls);
        _latencyEwmaMs = _latencyEwmaMs == 0 ? meanMs : (kept * _latencyEwmaMs) + ((1 - kept) * meanMs);
    }

    /// <summary>Records failures; when they open the breaker, every node's slice is revoked at once.</summary>
    private void Fail(CircuitBreaker breaker, int failures, DateTimeOffset now, string cause)
    {
        var before = breaker.State;
        for (var i = 0; i < failures; i++)
        {
            breaker.OnFailure(now);
        }

        if (before == CircuitState.Open || breaker.State != CircuitState.Open)
        {
            return;
        }

        _log.Warning("Channel {0}: circuit breaker opened ({1}) after {2}; revoking {3} node lease(s)", _channelId, breaker.LastTrip, cause, _lessees.Count);
        var revoked = new ChannelCommands.LeaseRevoked(_channelId, Health(now));
        foreach (var holder in _lessees.Keys)
        {
            holder.Tell(revoked);
        }
    }

    /// <summary>The breaker for the channel's current options; a changed configuration starts a fresh, closed breaker.</summary>
    private CircuitBreaker Breaker(ChannelPolicy policy)
    {
        if (_breaker is null || _breakerOptions != policy.Breaker)
        {
            _breakerOptions = policy.Breaker;
            _breaker = new CircuitBreaker(policy.Breaker);
        }

        return _breaker;
    }

    private RateLimiter? Quota(ChannelPolicy policy, DateTimeOffset now)
    {
        if (policy.Quota is null)
        {
            _quota = null;
        }
        else if (_quota is null)
        {
            _quota = new RateLimiter(policy.Quota, now.UtcTicks);
        }
        else if (_quota.Limits != policy.Quota)
        {
            _quota = _quota.Resize(policy.Quota, now.UtcTicks);
        }

        return _quota;
    }

    private void SweepLeases(DateTimeOffset now)
    {
        var expired = _leases.Where(lease => lease.Value.ExpiresAt <= now).Select(lease => lease.Key).ToList();
        foreach (var requestId in expired)
        {
            if (_leases.Remove(requestId, out var lease) && (lease.Probe || _breaker?.State != CircuitState.HalfOpen))
            {
                _breaker?.OnCancelled();
            }
        }

        if (expired.Count > 0)
        {
            _log.Warning("Channel {0}: {1} admission lease(s) expired without an outcome", _channelId, expired.Count);
        }

        var silent = _lessees.Where(lessee => lessee.Value.ExpiresAt <= now).Select(lessee => lessee.Key).ToList();
        foreach (var holder in silent)
        {
            _lessees.Remove(holder);
            _log.Warning("Channel {0}: node lease of {1} expired without a renewal; its slots are free", _channelId, holder.Path);
        }
    }

    private ChannelHealth Health(DateTimeOffset now) => new(
        _channelId,
        _breaker?.CanAdmit(now) ?? true,
        _breaker?.State ?? CircuitState.Closed,
        _latencyEwmaMs,
        InFlight());

    /// <summary>Calls in flight cluster-wide: the per-call leases and what every node last reported of its slice.</summary>
    private int InFlight()
    {
        var inFlight = _leases.Count;
        foreach (var lessee in _lessees.Values)
        {
            inFlight += lessee.InFlight;
        }

        return inFlight;
    }

    private ChannelQueries.ChannelStats Stats()
    {
        var policy = _directory.Policy(_channelId);
        var breaker = policy is null ? _breaker : Breaker(policy);
        var now = DateTimeOffset.UtcNow;
        return new ChannelQueries.ChannelStats(
            _channelId,
            InFlight(),
            policy?.MaxConcurrency ?? 0,
            _admitted,
            _rejected,
            _succeeded,
            _failed,
            _latencyEwmaMs,
            breaker?.Snapshot(now) ?? new CircuitBreaker(new CircuitBreakerOptions()).Snapshot(now));
    }

    private sealed record Lease(DateTimeOffset ExpiresAt, long Tokens, bool Probe);

    /// <param name="Reserved">Slots counted against the limit for the node: what it may still have in flight.</param>
    /// <param name="InFlight">What the node last reported in flight on its slice.</param>
    private sealed record Lessee(int Reserved, int InFlight, DateTimeOffset ExpiresAt);

    private sealed class SweepExpiredLeases
    {
        public static readonly SweepExpiredLeases Instance = new();
    }
}

public static class ChannelActorHostingExtensions
{
    public const string RegionName = "channel";

    public const string LesseeName = "channel-lessee";
    private static readonly TimeSpan GiveBackTimeout = TimeSpan.FromSeconds(3);

    /// <summary>
    /// The channel entities and this node's lease holder; the service provider must hold an <see cref="IChannelDirectory"/>,
    /// the <see cref="ChannelLeases"/> singleton and an <see cref="IChannelHealthListener"/>. A node that shuts down
    /// (after its calls drained) gives its slices back before it leaves the cluster, not when their leases expire.
    /// </summary>
    public static AkkaConfigurationBuilder AddChannelActor(this AkkaConfigurationBuilder builder, ShardOptions shardOptions) =>
        builder
            .WithShardRegion<ChannelActor>(
                RegionName,
                (_, _, resolver) => channelId => resolver.Props<ChannelActor>(channelId),
                new ChannelMessageExtractor(),
                shardOptions)
            .WithActors((system, registry, resolver) =>
            {
                var lessee = system.ActorOf(resolver.Props<ChannelLesseeActor>(registry.Get<ChannelActor>()), LesseeName);
                registry.Register<ChannelLesseeActor>(lessee);
                CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseBeforeClusterShutdown, "give-back-channel-leases", async () =>
                {
                    try
                    {
                        await lessee.Ask<Done>(ChannelLesseeActor.GiveBack.Instance, GiveBackTimeout);
                    }
                    catch (AskTimeoutException)
                    {
                        // What was not given back expires at the entities.
                    }

                    return Done.Instance;
                });
            });
}
