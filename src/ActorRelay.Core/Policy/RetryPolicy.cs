namespace ActorRelay.Core.Policy;

/// <summary>
/// Which failed upstream attempts are tried again and when: exponential backoff with full jitter, or the vendor's
/// <c>Retry-After</c> (capped at <see cref="MaxRetryAfter"/>), within <see cref="MaxAttempts"/> attempts in all and the
/// request's deadline.
/// </summary>
public sealed record RetryPolicy
{
    /// <summary>Attempts in all, the first one included.</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>The backoff ceiling after the first failed attempt; it doubles with every further attempt.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The highest backoff ceiling.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(8);

    /// <summary>The longest vendor <c>Retry-After</c> that is waited for; a longer one is cut to this.</summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Whether an attempt that failed this way may be tried again: connect errors, timeouts, interrupted reads, 429 and
    /// every 5xx; never another status, never a cancelled call, and never once a byte went to the client.
    /// </summary>
    public static bool IsRetryable(int? httpStatus, FailureKind kind, bool firstByteSent) =>
        !firstByteSent && kind switch
        {
            FailureKind.Connect or FailureKind.Timeout or FailureKind.Interrupted => true,
            FailureKind.HttpStatus => httpStatus is 429 or (>= 500 and <= 599),
            _ => false,
        };

    /// <summary>
    /// The wait before the attempt after attempt number <paramref name="attempt"/> (1-based) failed: the vendor's
    /// <paramref name="retryAfter"/> when it sent one (never negative, at most <see cref="MaxRetryAfter"/>), else
    /// <paramref name="random"/> (uniform in [0, 1)) times min(<see cref="MaxDelay"/>, <see cref="BaseDelay"/> × 2^(attempt − 1)):
    /// exponential backoff with full jitter.
    /// </summary>
    public TimeSpan NextDelay(int attempt, TimeSpan? retryAfter, Func<double> random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        ArgumentNullException.ThrowIfNull(random);
        if (retryAfter is { } vendorWait)
        {
            return vendorWait < TimeSpan.Zero ? TimeSpan.Zero : vendorWait > MaxRetryAfter ? MaxRetryAfter : vendorWait;
        }

        var ceiling = Math.Min(MaxDelay.Ticks, BaseDelay.Ticks * Math.Pow(2, Math.Min(attempt - 1, 62)));
        return TimeSpan.FromTicks((long)(Math.Clamp(random(), 0, 1) * ceiling));
    }

    /// <summary>
    /// Whether to make another attempt after attempt number <paramref name="attempt"/> (1-based) failed and a wait of
    /// <paramref name="delay"/>: only while attempts are left and the attempt would start before the deadline.
    /// </summary>
    public bool ShouldRetry(int attempt, DateTimeOffset now, DateTimeOffset deadline, TimeSpan delay) =>
        attempt < MaxAttempts && delay < deadline - now;

    /// <summary>Every problem of this policy, each naming its property; empty when it can be used.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (MaxAttempts < 1)
        {
            errors.Add($"{nameof(MaxAttempts)} {MaxAttempts} must be at least 1.");
        }

        if (BaseDelay < TimeSpan.Zero)
        {
            errors.Add($"{nameof(BaseDelay)} {BaseDelay} must not be negative.");
        }

        if (MaxDelay < BaseDelay)
        {
            errors.Add($"{nameof(MaxDelay)} {MaxDelay} must be at least {nameof(BaseDelay)} {BaseDelay}.");
        }

        if (MaxRetryAfter < TimeSpan.Zero)
        {
            errors.Add($"{nameof(MaxRetryAfter)} {MaxRetryAfter} must not be negative.");
        }

        return errors;
    }
}
