using ActorRelay.Core.Policy;
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
public sealed class ChannelActor : ReceiveActor, IWithTimers
{
    private const double LatencySmoothing = 0.2;
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(1);

    private readonly string _channelId;
    private readonly IChannelDirectory _directory;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, Lease> _leases = new(StringComparer.Ordinal);
    private CircuitBreakerOptions? _breakerOptions;
    private CircuitBreaker? _breaker;
    private RateLimiter? _quota;
    private long _admitted;
    private long _rejected;
    private long _succeeded;
    private long _failed;
    private double _latencyEwmaMs;

    public ChannelActor(string channelId, IChannelDirectory directory)
    {
        _channelId = channelId;
        _directory = directory;

        Receive<ChannelCommands.Admit>(HandleAdmit);
        Receive<ChannelCommands.Release>(HandleRelease);
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

        if (_leases.Count >= policy.MaxConcurrency)
        {
            SweepLeases(now);
        }

        if (_leases.Count >= policy.MaxConcurrency)
        {
            Reject(admit, RejectionReason.ConcurrencyLimit, $"Channel '{_channelId}' is at its concurrency limit of {policy.MaxConcurrency}.", TimeSpan.FromSeconds(1), now);
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
                _latencyEwmaMs = _latencyEwmaMs == 0
                    ? outcome.LatencyMs
                    : (LatencySmoothing * outcome.LatencyMs) + ((1 - LatencySmoothing) * _latencyEwmaMs);
                break;
            case CallVerdict.Failed:
                _failed++;
                var before = breaker?.State;
                breaker?.OnFailure(now);
                if (before != CircuitState.Open && breaker?.State == CircuitState.Open)
                {
                    _log.Warning("Channel {0}: circuit breaker opened ({1}) after HTTP {2}", _channelId, breaker.LastTrip, outcome.HttpStatus);
                }

                break;
            default:
                breaker?.OnCancelled();
                break;
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
    }

    private ChannelHealth Health(DateTimeOffset now) => new(
        _channelId,
        _breaker?.CanAdmit(now) ?? true,
        _breaker?.State ?? CircuitState.Closed,
        _latencyEwmaMs,
        _leases.Count);

    private ChannelQueries.ChannelStats Stats()
    {
        var policy = _directory.Policy(_channelId);
        var breaker = policy is null ? _breaker : Breaker(policy);
        var now = DateTimeOffset.UtcNow;
        return new ChannelQueries.ChannelStats(
            _channelId,
            _leases.Count,
            policy?.MaxConcurrency ?? 0,
            _admitted,
            _rejected,
            _succeeded,
            _failed,
            _latencyEwmaMs,
            breaker?.Snapshot(now) ?? new CircuitBreaker(new CircuitBreakerOptions()).Snapshot(now));
    }

    private sealed record Lease(DateTimeOffset ExpiresAt, long Tokens, bool Probe);

    private sealed class SweepExpiredLeases
    {
        public static readonly SweepExpiredLeases Instance = new();
    }
}

public static class ChannelActorHostingExtensions
{
    public const string RegionName = "channel";

    public static AkkaConfigurationBuilder AddChannelActor(this AkkaConfigurationBuilder builder, ShardOptions shardOptions) =>
        builder.WithShardRegion<ChannelActor>(
            RegionName,
            (_, _, resolver) => channelId => resolver.Props<ChannelActor>(channelId),
            new ChannelMessageExtractor(),
            shardOptions);
}
