namespace ActorRelay.Core.Policy;

/// <summary>
/// A channel's circuit breaker (see <see cref="CircuitBreakerOptions"/> for the rules). Time is passed in; an open
/// breaker moves to half-open on the first <see cref="TryAdmit"/> after its cool-down. Outcomes that arrive while
/// open belong to calls admitted before it opened and are ignored. Not thread-safe: it belongs to one actor, and it
/// allocates nothing after construction.
/// </summary>
public sealed class CircuitBreaker
{
    private readonly CircuitBreakerOptions _options;
    private readonly long _bucketTicks;
    private readonly long[] _bucketEpochs;
    private readonly int[] _bucketCalls;
    private readonly int[] _bucketFailures;
    private int _probesAdmitted;
    private int _probeSuccesses;

    public CircuitBreaker(CircuitBreakerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(options));
        }

        _options = options;
        _bucketTicks = options.SamplingWindow.Ticks / options.SamplingBuckets;
        _bucketEpochs = new long[options.SamplingBuckets];
        _bucketCalls = new int[options.SamplingBuckets];
        _bucketFailures = new int[options.SamplingBuckets];
        BreakDuration = options.BreakDuration;
        ClearWindow();
    }

    public CircuitState State { get; private set; } = CircuitState.Closed;

    /// <summary>When the breaker last opened; null while closed.</summary>
    public DateTimeOffset? OpenedAt { get; private set; }

    /// <summary>The cool-down of the current or next opening: the base, grown by each failed probe round.</summary>
    public TimeSpan BreakDuration { get; private set; }

    public int ConsecutiveFailures { get; private set; }

    public long TimesOpened { get; private set; }

    public CircuitTrip? LastTrip { get; private set; }

    /// <summary>
    /// Whether a call may go to the channel now. While half-open only <see cref="CircuitBreakerOptions.ProbeCalls"/>
    /// calls are admitted, as probes; every admitted call must later report <see cref="OnSuccess"/>,
    /// <see cref="OnFailure"/> or <see cref="OnCancelled"/>.
    /// </summary>
    public bool TryAdmit(DateTimeOffset now, out bool probe)
    {
        probe = false;
        if (State == CircuitState.Closed)
        {
            return true;
        }

        if (State == CircuitState.Open)
        {
            if (now < OpenedAt + BreakDuration)
            {
                return false;
            }

            State = CircuitState.HalfOpen;
            _probesAdmitted = 0;
            _probeSuccesses = 0;
        }

        if (_probesAdmitted >= _options.ProbeCalls)
        {
            return false;
        }

        _probesAdmitted++;
        probe = true;
        return true;
    }

    /// <summary>Whether <see cref="TryAdmit"/> would admit a call now, without changing anything (for routing health).</summary>
    public bool CanAdmit(DateTimeOffset now) => State switch
    {
        CircuitState.Closed => true,
        CircuitState.Open => now >= OpenedAt + BreakDuration,
        _ => _probesAdmitted < _options.ProbeCalls,
    };

    public void OnSuccess(DateTimeOffset now)
    {
        if (State == CircuitState.Closed)
        {
            ConsecutiveFailures = 0;
            Record(now, failed: false);
        }
        else if (State == CircuitState.HalfOpen && ++_probeSuccesses >= _options.ProbeCalls)
        {
            Close();
        }
    }

    public void OnFailure(DateTimeOffset now)
    {
        if (State == CircuitState.Closed)
        {
            ConsecutiveFailures++;
            Record(now, failed: true);
            if (ConsecutiveFailures >= _options.ConsecutiveFailures)
            {
                Open(now, CircuitTrip.ConsecutiveFailures);
            }
            else if (FailureRateReached(now))
            {
                Open(now, CircuitTrip.FailureRate);
            }
        }
        else if (State == CircuitState.HalfOpen)
        {
            var grown = BreakDuration.Ticks * _options.BreakDurationMultiplier;
            BreakDuration = grown >= _options.MaxBreakDuration.Ticks ? _options.MaxBreakDuration : TimeSpan.FromTicks((long)grown);
            Open(now, CircuitTrip.ProbeFailed);
        }
    }

    /// <summary>
    /// An admitted call ended without telling anything about the channel (the client left, its lease expired):
    /// while half-open it frees a probe slot.
    /// </summary>
    public void OnCancelled()
    {
        if (State == CircuitState.HalfOpen && _probesAdmitted > _probeSuccesses)
        {
            _probesAdmitted--;
        }
    }

    public CircuitBreakerSnapshot Snapshot(DateTimeOffset now)
    {
        var (calls, failures) = WindowTotals(now);
        var halfOpen = State == CircuitState.HalfOpen;
        return new CircuitBreakerSnapshot(
            State,
            OpenedAt,
            State == CircuitState.Open ? OpenedAt + BreakDuration : null,
            BreakDuration,
            ConsecutiveFailures,
            calls,
            failures,
            halfOpen ? _probesAdmitted - _probeSuccesses : 0,
            halfOpen ? _probeSuccesses : 0,
            TimesOpened,
            LastTrip);
    }

    private void Open(DateTimeOffset now, CircuitTrip trip)
    {
        State = CircuitState.Open;
        OpenedAt = now;
        LastTrip = trip;
        TimesOpened++;
    }

    private void Close()
    {
        State = CircuitState.Closed;
        OpenedAt = null;
        BreakDuration = _options.BreakDuration;
        ConsecutiveFailures = 0;
        ClearWindow();
    }

    private bool FailureRateReached(DateTimeOffset now)
    {
        var (calls, failures) = WindowTotals(now);
        return calls >= _options.MinimumCalls && failures * 100.0 >= _options.FailureRatePercent * calls;
    }

    private void Record(DateTimeOffset now, bool failed)
    {
        var epoch = now.UtcTicks / _bucketTicks;
        var slot = (int)(epoch % _bucketEpochs.Length);
        if (_bucketEpochs[slot] != epoch)
        {
            _bucketEpochs[slot] = epoch;
            _bucketCalls[slot] = 0;
            _bucketFailures[slot] = 0;
        }

        _bucketCalls[slot]++;
        if (failed)
        {
            _bucketFailures[slot]++;
        }
    }

    private (int Calls, int Failures) WindowTotals(DateTimeOffset now)
    {
        var epoch = now.UtcTicks / _bucketTicks;
        var calls = 0;
        var failures = 0;
        for (var slot = 0; slot < _bucketEpochs.Length; slot++)
        {
            if (_bucketEpochs[slot] <= epoch && _bucketEpochs[slot] > epoch - _bucketEpochs.Length)
            {
                calls += _bucketCalls[slot];
                failures += _bucketFailures[slot];
            }
        }

        return (calls, failures);
    }

    private void ClearWindow()
    {
        Array.Fill(_bucketEpochs, long.MinValue);
        Array.Clear(_bucketCalls);
        Array.Clear(_bucketFailures);
    }
}
