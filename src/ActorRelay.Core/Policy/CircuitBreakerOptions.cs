namespace ActorRelay.Core.Policy;

/// <summary>
/// When a channel's circuit breaker opens and how it recovers. It opens on <see cref="ConsecutiveFailures"/> failures
/// in a row, or when at least <see cref="FailureRatePercent"/> percent of the calls of the last
/// <see cref="SamplingWindow"/> failed and there were at least <see cref="MinimumCalls"/> of them. It stays open for
/// <see cref="BreakDuration"/>, then admits <see cref="ProbeCalls"/> probes: that many successes close it, a failure
/// re-opens it for <see cref="BreakDurationMultiplier"/> times the previous cool-down, at most
/// <see cref="MaxBreakDuration"/>.
/// </summary>
public sealed record CircuitBreakerOptions
{
    public int ConsecutiveFailures { get; init; } = 5;

    public double FailureRatePercent { get; init; } = 50;

    public TimeSpan SamplingWindow { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The window is counted in this many buckets, so a call leaves it between
    /// <c>SamplingWindow - SamplingWindow / SamplingBuckets</c> and <see cref="SamplingWindow"/> after it ended.
    /// </summary>
    public int SamplingBuckets { get; init; } = 10;

    public int MinimumCalls { get; init; } = 20;

    public TimeSpan BreakDuration { get; init; } = TimeSpan.FromSeconds(10);

    public double BreakDurationMultiplier { get; init; } = 2;

    public TimeSpan MaxBreakDuration { get; init; } = TimeSpan.FromMinutes(2);

    public int ProbeCalls { get; init; } = 3;

    /// <summary>Every problem of these options, each naming its property; empty when they can be used.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (ConsecutiveFailures < 1)
        {
            errors.Add($"{nameof(ConsecutiveFailures)} {ConsecutiveFailures} must be at least 1.");
        }

        if (double.IsNaN(FailureRatePercent) || FailureRatePercent is <= 0 or > 100)
        {
            errors.Add($"{nameof(FailureRatePercent)} {FailureRatePercent} must be above 0 and at most 100.");
        }

        if (SamplingBuckets < 1)
        {
            errors.Add($"{nameof(SamplingBuckets)} {SamplingBuckets} must be at least 1.");
        }
        else if (SamplingWindow.Ticks < SamplingBuckets)
        {
            errors.Add($"{nameof(SamplingWindow)} {SamplingWindow} must be positive and span at least one tick per bucket.");
        }

        if (MinimumCalls < 1)
        {
            errors.Add($"{nameof(MinimumCalls)} {MinimumCalls} must be at least 1.");
        }

        if (BreakDuration <= TimeSpan.Zero)
        {
            errors.Add($"{nameof(BreakDuration)} {BreakDuration} must be positive.");
        }

        if (double.IsNaN(BreakDurationMultiplier) || BreakDurationMultiplier < 1)
        {
            errors.Add($"{nameof(BreakDurationMultiplier)} {BreakDurationMultiplier} must be at least 1.");
        }

        if (MaxBreakDuration < BreakDuration)
        {
            errors.Add($"{nameof(MaxBreakDuration)} {MaxBreakDuration} must be at least {nameof(BreakDuration)} {BreakDuration}.");
        }

        if (ProbeCalls < 1)
        {
            errors.Add($"{nameof(ProbeCalls)} {ProbeCalls} must be at least 1.");
        }

        return errors;
    }
}
