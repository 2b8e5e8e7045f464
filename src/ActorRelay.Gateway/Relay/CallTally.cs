using ActorRelay.Core.Ledger;
using ActorRelay.Core.Protocol;

namespace ActorRelay.Gateway.Relay;

/// <summary>What one upstream attempt did, gathered as it runs and settled (billed, measured) when the call ends.</summary>
internal sealed class CallTally
{
    public CallStatus Status { get; set; } = CallStatus.UpstreamFailed;

    /// <summary>The status the client saw; 499 when the client left first.</summary>
    public int HttpStatus { get; set; }

    /// <summary>Set when the vendor answered with an error status: nothing was generated, nothing is billed.</summary>
    public bool VendorRefused { get; set; }

    public TokenUsage? ReportedUsage { get; set; }

    public long ContentBytes { get; set; }

    public long FirstTokenTimestamp { get; set; }

    public bool SawDone { get; set; }

    /// <summary>Set once a byte of this attempt went to the client: from then on it can be neither retried nor moved.</summary>
    public bool FirstByteSent { get; set; }

    /// <summary>Set when a write to the client failed: the client left, whatever the exception was.</summary>
    public bool ClientGone { get; set; }

    /// <summary>The vendor's usage, else an estimate from what was sent and delivered (flagged as estimated).</summary>
    public TokenUsage Usage(long requestBytes) =>
        ReportedUsage
        ?? (VendorRefused || HttpStatus == 0
            ? TokenUsage.None
            : new TokenUsage(TokenUsage.EstimateTokens(requestBytes), TokenUsage.EstimateTokens(ContentBytes), 0, Estimated: true));
}
