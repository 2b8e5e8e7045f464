namespace ActorRelay.Core.Protocol;

/// <summary>Tokens one call consumed. <see cref="Estimated"/> is set when the vendor did not report usage and <see cref="TokenEstimator"/> counted them.</summary>
public readonly record struct TokenUsage(long InputTokens, long OutputTokens, long CachedTokens, bool Estimated)
{
    public static readonly TokenUsage None = new(0, 0, 0, false);
}
