namespace ActorRelay.Core.Policy;

/// <summary>The rate limits of one key, tenant or channel: requests and tokens per minute.</summary>
public sealed record RateLimits(long RequestsPerMinute, long TokensPerMinute)
{
    /// <summary>The bucket size standing for "no limit" on one of the two dimensions.</summary>
    public const long Unlimited = long.MaxValue;

    /// <summary>Whether tokens per minute are limited (only then is a prompt worth counting for these limits).</summary>
    public bool LimitsTokens => TokensPerMinute != Unlimited;

    /// <summary>Every problem of these limits; empty when they can be used.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (RequestsPerMinute <= 0)
        {
            errors.Add($"RequestsPerMinute {RequestsPerMinute} must be positive.");
        }

        if (TokensPerMinute <= 0)
        {
            errors.Add($"TokensPerMinute {TokensPerMinute} must be positive.");
        }

        return errors;
    }
}
