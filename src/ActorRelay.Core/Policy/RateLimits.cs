namespace ActorRelay.Core.Policy;

/// <summary>The rate limits of one key, tenant or channel: requests and tokens per minute.</summary>
public sealed record RateLimits(long RequestsPerMinute, long TokensPerMinute)
{
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
