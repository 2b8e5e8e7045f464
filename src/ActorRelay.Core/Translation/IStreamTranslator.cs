using ActorRelay.Core.Protocol;
using ActorRelay.Core.Sse;

namespace ActorRelay.Core.Translation;

/// <summary>Turns one protocol's SSE events into another's. Not thread-safe; one per stream.</summary>
public interface IStreamTranslator
{
    /// <summary>Usage reported by the stream so far (null until the input reported it).</summary>
    TokenUsage? Usage { get; }

    /// <summary>
    /// True once the input reached its protocol's own end (OpenAI <c>[DONE]</c>, Anthropic <c>message_stop</c>, a Gemini
    /// <c>finishReason</c>). An input that ends before that was cut short, even if its connection closed cleanly.
    /// </summary>
    bool InputCompleted { get; }

    /// <summary>Appends zero or more output events for one input event. An input error event becomes an output error event.</summary>
    /// <exception cref="InvalidDataException">The input event is not valid JSON of the expected shape.</exception>
    void Translate(SseEvent input, List<SseEvent> output);

    /// <summary>
    /// Called once when the input ended; appends the closing events (e.g. OpenAI's finish and usage chunks, then
    /// <c>data: [DONE]</c>) as if the input had completed. After an error event it appends nothing.
    /// </summary>
    void Complete(List<SseEvent> output);
}
