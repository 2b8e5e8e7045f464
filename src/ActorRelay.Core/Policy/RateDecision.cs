namespace ActorRelay.Core.Policy;

/// <summary>
/// Whether one call was admitted under its rate limits, and what OpenAI's response headers report:
/// <c>x-ratelimit-limit-requests</c>/<c>-tokens</c> (<see cref="LimitRequests"/>, <see cref="LimitTokens"/>),
/// <c>x-ratelimit-remaining-*</c> and <c>x-ratelimit-reset-*</c> (the time until that bucket is full again), and
/// <c>Retry-After</c> for a refused call.
/// </summary>
/// <param name="RetryAfter">
/// Zero when allowed; else when the call would fit; <see cref="TimeSpan.MaxValue"/> when it asks for more tokens than the
/// limit and never will (see <see cref="TooLarge"/>).
/// </param>
public readonly record struct RateDecision(
    bool Allowed,
    TimeSpan RetryAfter,
    long RemainingRequests,
    long RemainingTokens,
    TimeSpan ResetRequests,
    TimeSpan ResetTokens,
    long LimitRequests,
    long LimitTokens)
{
    /// <summary>The call asks for more tokens than the limit per minute, so waiting does not help.</summary>
    public bool TooLarge => !Allowed && RetryAfter == TimeSpan.MaxValue;
}
