namespace ActorRelay.Core.Protocol;

/// <summary>Tokens one call consumed. <see cref="Estimated"/> is set when the vendor did not report usage and <see cref="TokenEstimator"/> counted them.</summary>
/// <param name="Images">Images generated (priced per image).</param>
/// <param name="AudioSeconds">Seconds of audio transcribed (priced per second).</param>
public readonly record struct TokenUsage(long InputTokens, long OutputTokens, long CachedTokens, bool Estimated, long Images = 0, decimal AudioSeconds = 0)
{
    public static readonly TokenUsage None = new(0, 0, 0, false);
}
