using ActorRelay.Actors.Idempotency;

namespace ActorRelay.Gateway.Relay;

/// <summary>
/// Keeps a copy of what a call under an <c>Idempotency-Key</c> sent its client (a body, or every SSE byte of a
/// stream) so that repeats get the same answer; gives up beyond <c>maxBytes</c>.
/// </summary>
internal sealed class ResponseRecorder(string requestId, int maxBytes)
{
    private readonly MemoryStream _body = new();
    private bool _overflowed;

    public string ContentType { get; set; } = "application/json";

    public void Append(ReadOnlySpan<byte> bytes)
    {
        if (_overflowed)
        {
            return;
        }

        if (_body.Length + bytes.Length > maxBytes)
        {
            _overflowed = true;
            _body.SetLength(0);
            return;
        }

        _body.Write(bytes);
    }

    /// <summary>The recorded answer of a successful call, or null when it was too large to keep.</summary>
    public IdempotentResult? Result => _overflowed ? null : new IdempotentResult(requestId, StatusCodes.Status200OK, ContentType, _body.ToArray());
}
