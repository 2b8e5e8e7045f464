using ActorRelay.Core.Protocol;
using ActorRelay.Core.Sse;

namespace ActorRelay.Core.Translation;

/// <summary>
/// The shared half of every translator from a vendor's stream into OpenAI chunks: the chunk writer, the role chunk sent
/// once before anything else, one finish chunk, the closing sequence (a missing finish chunk, the usage chunk, then
/// <c>[DONE]</c>), an error event that ends the output, and malformed input reported as <see cref="InvalidDataException"/>.
/// </summary>
internal abstract class OpenAiChunkEmitter(string vendor, string model, long created) : IStreamTranslator
{
    private bool _roleSent;
    private bool _finishSent;
    private bool _failed;

    public TokenUsage? Usage => HasUsage ? Counts.ToTokenUsage() : null;

    public bool InputCompleted { get; protected set; }

    protected OpenAiChunkWriter Chunks { get; } = new(model, created);

    protected Utf8Scratch Scratch { get; } = new();

    /// <summary>Tool calls started so far; the next one gets this index.</summary>
    protected int ToolCount { get; set; }

    protected abstract bool HasUsage { get; }

    /// <summary>The vendor's usage so far in OpenAI's terms.</summary>
    protected abstract UsageCounts Counts { get; }

    public void Translate(SseEvent input, List<SseEvent> output)
    {
        if (_failed)
        {
            return;
        }

        try
        {
            TranslateEvent(input, output);
        }
        catch (Exception exception) when (JsonScan.IsReadFailure(exception))
        {
            throw JsonScan.Malformed(vendor, exception);
        }
    }

    public void Complete(List<SseEvent> output)
    {
        if (_failed)
        {
            return;
        }

        EnsureRole(output);
        Finish(ToolCount > 0 ? "tool_calls" : "stop", output);
        if (HasUsage)
        {
            output.Add(Chunks.Usage(Counts));
        }

        output.Add(SseEvent.Done);
    }

    /// <summary>One vendor event; JSON read failures are reported as malformed input.</summary>
    protected abstract void TranslateEvent(SseEvent input, List<SseEvent> output);

    protected void EnsureRole(List<SseEvent> output)
    {
        if (!_roleSent)
        {
            _roleSent = true;
            output.Add(Chunks.Role());
        }
    }

    /// <summary>The finish chunk, once; false when it was already sent.</summary>
    protected bool Finish(string finishReason, List<SseEvent> output)
    {
        if (_finishSent)
        {
            return false;
        }

        _finishSent = true;
        output.Add(Chunks.Finish(finishReason));
        return true;
    }

    /// <summary>An OpenAI error event; nothing follows it.</summary>
    protected void Fail(string message, string type, string? code, List<SseEvent> output)
    {
        _failed = true;
        output.Add(Chunks.Error(message, type, code));
    }
}
