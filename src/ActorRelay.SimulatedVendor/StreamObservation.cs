namespace ActorRelay.SimulatedVendor;

/// <summary>The observable progress of one stream; written by the request, read by <see cref="SimulatedVendorMonitor"/>.</summary>
internal sealed class StreamObservation
{
    private long tokensWritten;
    private int wasAborted;
    private int completed;

    public long TokensWritten => Interlocked.Read(ref tokensWritten);

    public bool WasAborted => Volatile.Read(ref wasAborted) != 0;

    public bool Completed => Volatile.Read(ref completed) != 0;

    public void TokenWritten() => Interlocked.Increment(ref tokensWritten);

    public void MarkAborted() => Volatile.Write(ref wasAborted, 1);

    public void MarkCompleted() => Volatile.Write(ref completed, 1);
}
