namespace ActorRelay.Core.Policy;

/// <summary>
/// The requests-per-minute and tokens-per-minute buckets of one key, tenant or channel. A call takes one request and
/// its (estimated) tokens from both buckets or from neither; unused tokens go back with <c>Tokens.GiveBack</c>, and
/// leases take slices with <see cref="TokenBucket.TryTakeBatch"/>. Not thread-safe: it belongs to one actor.
/// </summary>
public sealed class RateLimiter
{
    /// <summary>Full buckets for <paramref name="limits"/> at <paramref name="nowTicks"/> (100 ns ticks).</summary>
    public RateLimiter(RateLimits limits, long nowTicks)
    {
        ArgumentNullException.ThrowIfNull(limits);
        var errors = limits.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(limits));
        }

        Limits = limits;
        Requests = TokenBucket.PerMinute(limits.RequestsPerMinute, nowTicks);
        Tokens = TokenBucket.PerMinute(limits.TokensPerMinute, nowTicks);
    }

    public RateLimits Limits { get; }

    public TokenBucket Requests { get; }

    public TokenBucket Tokens { get; }

    /// <summary>Whether <see cref="Decide"/> would admit a call of <paramref name="tokens"/> tokens now, without taking anything.</summary>
    public bool WouldAllow(long nowTicks, long tokens) =>
        Requests.TimeUntilAvailable(1, nowTicks) == TimeSpan.Zero && Tokens.TimeUntilAvailable(tokens, nowTicks) == TimeSpan.Zero;

    /// <summary>
    /// A limiter for new <paramref name="limits"/> that carries over what was consumed here: a limit changed at run time
    /// (or two nodes briefly disagreeing about it) never refills the buckets.
    /// </summary>
    public RateLimiter Resize(RateLimits limits, long nowTicks)
    {
        var resized = new RateLimiter(limits, nowTicks);
        resized.Requests.TryTakeBatch(Math.Max(0, Limits.RequestsPerMinute - Requests.Available(nowTicks)), nowTicks);
        resized.Tokens.TryTakeBatch(Math.Max(0, Limits.TokensPerMinute - Tokens.Available(nowTicks)), nowTicks);
        return resized;
    }

    /// <summary>Admits one call of <paramref name="tokens"/> tokens when both buckets allow it, and reports the headers' values.</summary>
    public RateDecision Decide(long nowTicks, long tokens)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(tokens);
        var requestWait = Requests.TimeUntilAvailable(1, nowTicks);
        var tokenWait = Tokens.TimeUntilAvailable(tokens, nowTicks);
        var allowed = requestWait == TimeSpan.Zero && tokenWait == TimeSpan.Zero;
        if (allowed)
        {
            Requests.TryTake(1, nowTicks, out _);
            Tokens.TryTake(tokens, nowTicks, out _);
        }

        return new RateDecision(
            allowed,
            allowed ? TimeSpan.Zero : TimeSpan.FromTicks(Math.Max(requestWait.Ticks, tokenWait.Ticks)),
            Requests.Available(nowTicks),
            Tokens.Available(nowTicks),
            Requests.TimeUntilFull(nowTicks),
            Tokens.TimeUntilFull(nowTicks),
            Limits.RequestsPerMinute,
            Limits.TokensPerMinute);
    }
}
