using ActorRelay.Core.Policy;

namespace ActorRelay.Actors.Channels;

/// <summary>
/// This node's slice of one channel, granted by the channel entity while its breaker is closed: up to a number of
/// calls in flight and, when the channel has a vendor quota, an allowance of requests and tokens that the entity took
/// from its buckets beforehand. Calls are admitted and released here under a tiny lock, with no message; outcomes are
/// added up for the next report, which <see cref="ChannelLesseeActor"/> sends every few hundred milliseconds (at once
/// after a failure). A call the slice cannot take (no slot or allowance left, the breaker not closed, no fresh grant)
/// is admitted exactly by an ask to the entity instead, and counts as demand for the next slice; but while the entity
/// says the channel is saturated (every slot taken or granted), a call that finds the node's slots full is refused here.
/// </summary>
public sealed class ChannelLease(string channelId)
{
    /// <summary>How long a grant lets this node admit on its own without a newer answer from the entity.</summary>
    private const long FreshForMs = 2_000;

    private readonly Lock _lock = new();
    private bool _active;
    private bool _wakeRequested;
    private long _uses;
    private long _usesAtIdleReport = -1;
    private long _lastUsedMs;
    private long _freshUntilMs;
    private int _leaseSeconds = 60;
    private int _slots;
    private bool _saturated;
    private int _maxConcurrency;
    private ChannelHealth _health = new(channelId, true, CircuitState.Closed, 0, 0);
    private int _inFlight;
    private int _peak;
    private int _misses;
    private bool _metered;
    private long _requests;
    private long _tokens;
    private long _largestCall;
    private int _admitted;
    private int _rejected;
    private int _succeeded;
    private int _failed;
    private int _cancelled;
    private int _readmitted;
    private double _healthyLatencyMs;
    private TaskCompletionSource? _answer;

    public string ChannelId { get; } = channelId;

    /// <summary>
    /// Decides one call of up to <paramref name="tokens"/> tokens on the slice. <see cref="LeaseDecision.Ask"/>: the
    /// caller asks the entity, and <paramref name="wake"/> says that this node holds no lease yet and its holder must
    /// ask for one.
    /// </summary>
    internal LeaseDecision TryAdmit(long tokens, int leaseSeconds, out bool wake)
    {
        var now = Environment.TickCount64;
        lock (_lock)
        {
            _uses++;
            _lastUsedMs = now;
            _leaseSeconds = leaseSeconds;
            _largestCall = Math.Max(_largestCall, tokens);
            wake = false;
            var fresh = Fresh(now);
            if (!fresh || !Fits(tokens))
            {
                wake = !_active && !_wakeRequested;
                _wakeRequested |= wake;
                _misses++;
                _peak = Math.Max(_peak, _inFlight + _misses);
                if (fresh && _saturated && _inFlight >= _slots)
                {
                    _rejected++;
                    return LeaseDecision.Full;
                }

                return LeaseDecision.Ask;
            }

            Take(tokens);
            return LeaseDecision.Admitted;
        }
    }

    /// <summary>
    /// Admits on the slice a call that the entity refused for want of a slot: this node's report may have reached the
    /// entity first and reserved that slot for this very call. Counts no miss, and takes the entity's refusal back in the next report.
    /// </summary>
    internal bool TryAdmitRefused(long tokens)
    {
        var now = Environment.TickCount64;
        lock (_lock)
        {
            if (!Fresh(now) || !Fits(tokens))
            {
                return false;
            }

            Take(tokens);
            _readmitted++;
            return true;
        }
    }

    /// <summary>Completes when the report in flight (if any) has its answer applied.</summary>
    internal Task Answered()
    {
        lock (_lock)
        {
            return _answer?.Task ?? Task.CompletedTask;
        }
    }

    /// <summary>The node holds a slice whose grant is recent enough to admit on.</summary>
    private bool Fresh(long now) => _active && now < _freshUntilMs;

    /// <summary>A slot is free on the slice and, when it is metered, the allowance covers one more request of <paramref name="tokens"/>.</summary>
    private bool Fits(long tokens) => _inFlight < _slots && (!_metered || (_requests >= 1 && _tokens >= tokens));

    private void Take(long tokens)
    {
        _inFlight++;
        _peak = Math.Max(_peak, _inFlight + _misses);
        _admitted++;
        if (_metered)
        {
            _requests--;
            _tokens -= tokens;
        }
    }

    /// <summary>The refusal of a call that <see cref="TryAdmit"/> found no room for: <see cref="LeaseDecision.Full"/>.</summary>
    internal ChannelCommands.Rejected Refusal(string requestId)
    {
        lock (_lock)
        {
            return ChannelCommands.AtConcurrencyLimit(requestId, _maxConcurrency, _health);
        }
    }

    /// <summary>
    /// Frees the slot of a call admitted by <see cref="TryAdmit"/> that reserved <paramref name="tokens"/> tokens, and
    /// keeps its outcome for the next report. True when the outcome is a failure that the entity should hear at once.
    /// </summary>
    internal bool Release(long tokens, CallOutcome outcome)
    {
        lock (_lock)
        {
            _inFlight--;
            if (_metered)
            {
                _tokens += Math.Max(0, tokens - outcome.InputTokens - outcome.OutputTokens);
            }

            switch (outcome.Verdict)
            {
                case CallVerdict.Healthy:
                    _succeeded++;
                    _healthyLatencyMs += outcome.LatencyMs;
                    break;
                case CallVerdict.Failed:
                    _failed++;
                    break;
                default:
                    _cancelled++;
                    break;
            }
        }

        return outcome.Verdict == CallVerdict.Failed;
    }

    /// <summary>The holder starts reporting for this channel (a call found no lease).</summary>
    internal void Activate()
    {
        lock (_lock)
        {
            _active = true;
            _wakeRequested = false;
        }
    }

    /// <summary>
    /// The report for the entity, taking the outcomes gathered since the last one. When the slice went unused for
    /// <paramref name="idleAfterMs"/> with nothing in flight, it is given back whole: no more local admissions, and
    /// the unspent quota allowance travels back with the report.
    /// </summary>
    internal ChannelCommands.RenewLease TakeReport(long seq, long idleAfterMs)
    {
        var now = Environment.TickCount64;
        lock (_lock)
        {
            var idle = _inFlight == 0 && now - _lastUsedMs >= idleAfterMs;
            long returnedRequests = 0;
            long returnedTokens = 0;
            if (idle)
            {
                _slots = 0;
                (returnedRequests, returnedTokens, _requests, _tokens) = (_requests, _tokens, 0, 0);
                _usesAtIdleReport = _uses;
            }

            var outcomes = _admitted + _rejected + _succeeded + _failed + _cancelled == 0
                ? LeaseOutcomes.None
                : new LeaseOutcomes(_admitted, _rejected, _succeeded, _failed, _cancelled, _healthyLatencyMs, _readmitted);
            var report = new ChannelCommands.RenewLease(
                ChannelId,
                seq,
                _leaseSeconds,
                Math.Max(_inFlight, _slots),
                _inFlight,
                idle ? 0 : Math.Max(_peak, _inFlight),
                idle,
                _requests,
                _tokens,
                returnedRequests,
                returnedTokens,
                _largestCall,
                outcomes);
            (_peak, _misses, _largestCall) = (_inFlight, 0, 0);
            (_admitted, _rejected, _succeeded, _failed, _cancelled, _healthyLatencyMs, _readmitted) = (0, 0, 0, 0, 0, 0, 0);
            _answer ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return report;
        }
    }

    /// <summary>Applies the entity's answer to the report sent at <paramref name="sentAtMs"/>.</summary>
    internal void Apply(ChannelCommands.LeaseGranted grant, long sentAtMs)
    {
        lock (_lock)
        {
            _slots = grant.Slots;
            _saturated = grant.Saturated;
            _maxConcurrency = grant.MaxConcurrency;
            _health = grant.Health;
            _metered = grant.Metered;
            _requests = grant.Metered ? _requests + grant.Requests : 0;
            _tokens = grant.Metered ? _tokens + grant.Tokens : 0;
            _freshUntilMs = sentAtMs + FreshForMs;
            _answer?.TrySetResult();
            _answer = null;
        }
    }

    /// <summary>The breaker opened: admit nothing more on the slice; calls in flight finish and report as usual.</summary>
    internal void Revoke()
    {
        lock (_lock)
        {
            _slots = 0;
            _saturated = false;
        }
    }

    /// <summary>After the answer to an idle report: the holder stops reporting unless a call came in since.</summary>
    internal bool TryDeactivate()
    {
        lock (_lock)
        {
            if (_uses != _usesAtIdleReport || _inFlight > 0)
            {
                return false;
            }

            _active = false;
            return true;
        }
    }
}

/// <summary>What a <see cref="ChannelLease"/> makes of one call.</summary>
internal enum LeaseDecision
{
    /// <summary>Admitted on the node's slice.</summary>
    Admitted = 0,

    /// <summary>The slice cannot tell: ask the entity.</summary>
    Ask = 1,

    /// <summary>The node's slots are all taken and the channel is saturated: refused.</summary>
    Full = 2,
}
