namespace ActorRelay.Core.Protocol;

/// <summary>Tokens one call consumed. <see cref="Estimated"/> is set when the vendor did not report usage.</summary>
public readonly record struct TokenUsage(long InputTokens, long OutputTokens, long CachedTokens, bool Estimated)
{
    public static readonly TokenUsage None = new(0, 0, 0, false);

    /// <summary>A rough estimate of about four UTF-8 bytes per token, used only when the vendor reports nothing.</summary>
    public static long EstimateTokens(long utf8Bytes) => utf8Bytes <= 0 ? 0 : Math.Max(1, (utf8Bytes + 3) / 4);
}
