using System.Collections.Concurrent;

namespace ActorRelay.SimulatedVendor;

/// <summary>
/// Thread-safe observation of what the simulated vendor did, for tests and benchmarks.
/// Streams are keyed by a marker: the text of their last user message. When several streams share
/// a marker, the most recent one wins; only the 4096 most recent streams are kept.
/// </summary>
public sealed class SimulatedVendorMonitor
{
    /// <summary>How many streams (by marker) are remembered before the oldest are forgotten.</summary>
    internal const int MaxTrackedStreams = 4096;

    private readonly ConcurrentDictionary<string, StreamObservation> streams = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<KeyValuePair<string, StreamObservation>> arrivalOrder = new();
    private long requestsReceived;
    private int activeStreams;

    /// <summary>Chat requests received in any protocol, whatever their outcome (auth failures and injected faults included).</summary>
    public long RequestsReceived => Interlocked.Read(ref requestsReceived);

    /// <summary>Streaming requests in progress (from request start, first-token delay included, until they end).</summary>
    public int ActiveStreams => Volatile.Read(ref activeStreams);

    /// <summary>True once the stream whose last user message equals <paramref name="marker"/> has arrived (from its request start, before any first-token delay).</summary>
    public bool Started(string marker) => Find(marker) is not null;

    /// <summary>Token chunks written and flushed so far by the stream whose last user message equals <paramref name="marker"/>; 0 if unknown.</summary>
    public long TokensWritten(string marker) => Find(marker)?.TokensWritten ?? 0;

    /// <summary>True once the stream's request was aborted by the peer before the stream finished.</summary>
    public bool WasAborted(string marker) => Find(marker)?.WasAborted ?? false;

    /// <summary>True once the stream wrote its final event (OpenAI <c>data: [DONE]</c>, Anthropic <c>message_stop</c>, Gemini's finish chunk).</summary>
    public bool Completed(string marker) => Find(marker)?.Completed ?? false;

    internal void RequestReceived() => Interlocked.Increment(ref requestsReceived);

    internal StreamObservation StreamStarted(string marker)
    {
        var observation = new StreamObservation();
        streams[marker] = observation;
        arrivalOrder.Enqueue(new KeyValuePair<string, StreamObservation>(marker, observation));
        while (arrivalOrder.Count > MaxTrackedStreams && arrivalOrder.TryDequeue(out var oldest))
        {
            streams.TryRemove(oldest);
        }

        Interlocked.Increment(ref activeStreams);
        return observation;
    }

    internal void StreamEnded() => Interlocked.Decrement(ref activeStreams);

    private StreamObservation? Find(string marker)
    {
        ArgumentNullException.ThrowIfNull(marker);
        return streams.TryGetValue(marker, out var observation) ? observation : null;
    }
}
