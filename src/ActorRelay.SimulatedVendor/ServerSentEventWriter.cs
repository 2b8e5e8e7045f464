using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;

namespace ActorRelay.SimulatedVendor;

/// <summary>
/// Writes <c>[event: &lt;name&gt;\n]data: &lt;json&gt;\n\n</c> events straight into the response pipe and awaits a flush per event,
/// so a slow reader slows the writer down (the pipe's backpressure) instead of buffering without bound.
/// </summary>
internal sealed class ServerSentEventWriter(PipeWriter output, CancellationToken cancellationToken) : IDisposable
{
    private readonly Utf8JsonWriter json = new(output, OpenAiJson.WriterOptions);

    /// <summary>Starts an event; write exactly one JSON value to the returned writer, then call <see cref="EndEventAsync"/>.</summary>
    public Utf8JsonWriter BeginEvent()
    {
        output.Write("data: "u8);
        json.Reset();
        return json;
    }

    /// <summary>Starts a named event (<c>event: &lt;name&gt;</c>, as Anthropic sends them); then as <see cref="BeginEvent()"/>.</summary>
    public Utf8JsonWriter BeginEvent(ReadOnlySpan<byte> eventName)
    {
        output.Write("event: "u8);
        output.Write(eventName);
        output.Write("\n"u8);
        return BeginEvent();
    }

    public ValueTask EndEventAsync()
    {
        json.Flush();
        output.Write("\n\n"u8);
        return FlushAsync();
    }

    public ValueTask WriteDoneAsync()
    {
        output.Write("data: [DONE]\n\n"u8);
        return FlushAsync();
    }

    public void Dispose() => json.Dispose();

    /// <summary>Flushes, then throws if the request was aborted meanwhile (an aborted connection swallows writes).</summary>
    private async ValueTask FlushAsync()
    {
        await output.FlushAsync(cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
    }
}
