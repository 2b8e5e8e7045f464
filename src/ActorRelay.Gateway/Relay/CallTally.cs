using System.Buffers;
using ActorRelay.Core.Ledger;
using ActorRelay.Core.Protocol;

namespace ActorRelay.Gateway.Relay;

/// <summary>What one upstream attempt did, gathered as it runs and settled (billed, measured) when the call ends.</summary>
internal sealed class CallTally
{
    private TokenUsage? _estimate;
    private ArrayBufferWriter<byte>? _deliveredText;

    public CallStatus Status { get; set; } = CallStatus.UpstreamFailed;

    /// <summary>The status the client saw; 499 when the client left first.</summary>
    public int HttpStatus { get; set; }

    /// <summary>Set when the vendor answered with an error status: nothing was generated, nothing is billed.</summary>
    public bool VendorRefused { get; set; }

    public TokenUsage? ReportedUsage { get; set; }

    public long ContentBytes { get; set; }

    /// <summary>
    /// The text delivered so far (content and tool-call arguments), counted only when the vendor reports no usage; made
    /// at its first use (a non-stream answer with usage never needs it).
    /// </summary>
    public ArrayBufferWriter<byte> DeliveredText => _deliveredText ??= new ArrayBufferWriter<byte>(256);

    public long FirstTokenTimestamp { get; set; }

    public bool SawDone { get; set; }

    /// <summary>Set once a byte of this attempt went to the client: from then on it can be neither retried nor moved.</summary>
    public bool FirstByteSent { get; set; }

    /// <summary>Set when a write to the client failed: the client left, whatever the exception was.</summary>
    public bool ClientGone { get; set; }

    /// <summary>
    /// The vendor's usage, else an estimate by <paramref name="vendorModel"/>'s tokenizer of the prompt and of what was
    /// delivered (flagged as estimated). Call once the attempt ended; the estimate is counted once.
    /// </summary>
    public TokenUsage Usage(RelayRequest request, string vendorModel)
    {
        if (ReportedUsage is { } reported)
        {
            return reported;
        }

        if (VendorRefused || HttpStatus == 0)
        {
            return TokenUsage.None;
        }

        if (_estimate is null)
        {
            var tokenizer = TokenEstimator.ForModel(vendorModel);
            _estimate = new TokenUsage(request.EstimatePromptTokens(tokenizer), tokenizer.Count(_deliveredText is null ? default : _deliveredText.WrittenSpan), 0, Estimated: true);
        }

        return _estimate.Value;
    }
}
