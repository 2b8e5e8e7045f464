using ActorRelay.Actors.Channels;
using ActorRelay.Core.Policy;

namespace ActorRelay.Gateway.Relay;

/// <summary>An error for the client, kept until the attempt loop knows that no other attempt will answer instead.</summary>
/// <param name="VendorBody">A vendor's own OpenAI error body, relayed as is (vendor 4xx).</param>
/// <param name="RetryAfter">The vendor's Retry-After header value, passed on.</param>
internal sealed record ClientError(int Status, string Message, string Type, string Code, byte[]? VendorBody = null, string? RetryAfter = null);

/// <summary>How one upstream attempt ended.</summary>
internal sealed record AttemptResult(
    bool Succeeded,
    FailureKind? Failure,
    int? VendorStatus,
    TimeSpan? RetryAfter,
    bool FirstByteSent,
    double LatencyMs,
    ClientError? Error)
{
    public static AttemptResult Success(double latencyMs) => new(true, null, null, null, true, latencyMs, null);

    /// <summary>The client left; nothing more is written and nothing is retried.</summary>
    public static readonly AttemptResult ClientGone = new(false, FailureKind.Cancelled, null, null, true, 0, null);

    /// <summary>Failed before anything reached the client: <paramref name="error"/> is written if no other attempt answers.</summary>
    public static AttemptResult Before(FailureKind kind, ClientError error, int? vendorStatus = null, TimeSpan? retryAfter = null) =>
        new(false, kind, vendorStatus, retryAfter, false, 0, error);

    /// <summary>Failed after the stream started: the attempt already wrote an SSE error event.</summary>
    public static AttemptResult After(FailureKind kind) => new(false, kind, null, null, true, 0, null);

    public bool Retryable => Failure is { } kind && RetryPolicy.IsRetryable(VendorStatus, kind, FirstByteSent);

    /// <summary>What the attempt tells the channel's circuit breaker.</summary>
    public CallVerdict Verdict =>
        Succeeded ? CallVerdict.Healthy
        : Failure == FailureKind.Cancelled ? CallVerdict.Cancelled
        : Failure == FailureKind.HttpStatus && VendorStatus is >= 400 and < 500 and not 429 ? CallVerdict.Healthy
        : CallVerdict.Failed;
}
