using System.Buffers;
using System.Text.Json;
using ActorRelay.Core.Protocol;
using ActorRelay.Core.Sse;

namespace ActorRelay.Core.Translation;

/// <summary>
/// The shared half of every translator from OpenAI chunks into a client protocol: reads each chunk forward-only (first
/// choice's text, refusal and tool-call deltas, finish reason, usage, error envelopes) and calls the protocol's hooks; owns
/// the reusable JSON writer the hooks write their events with. <c>[DONE]</c> or <see cref="Complete"/> closes the output
/// once (<see cref="OnClose"/>); an error event ends it (<see cref="OnError"/>).
/// </summary>
internal abstract class OpenAiChunkReader : IStreamTranslator
{
    private const string Vendor = "OpenAI";

    private readonly ArrayBufferWriter<byte> _buffer = new(512);
    private readonly Utf8Scratch _scratch = new();
    private bool _started;
    private bool _closed;
    private bool _hasUsage;

    protected OpenAiChunkReader() => Json = new Utf8JsonWriter(_buffer, TranslationJson.WriterOptions);

    public TokenUsage? Usage => _hasUsage ? Counts.ToTokenUsage() : null;

    public bool InputCompleted { get; private set; }

    /// <summary>The writer of the event being built (between <see cref="Begin"/> and <see cref="End"/>).</summary>
    protected Utf8JsonWriter Json { get; }

    /// <summary>The usage so far (zeros until the usage chunk).</summary>
    protected UsageCounts Counts { get; private set; }

    /// <summary>The first choice's finish reason, once sent.</summary>
    protected string? FinishReason { get; private set; }

    public void Translate(SseEvent input, List<SseEvent> output)
    {
        if (_closed)
        {
            return;
        }

        if (input.IsDone)
        {
            InputCompleted = true;
            Close(output);
            return;
        }

        var data = input.Data.Span;
        try
        {
            if (!_started)
            {
                _started = true;
                OnStart(JsonScan.TopLevelString(data, "id"u8), output);
            }

            var reader = JsonScan.Open(data);
            while (JsonScan.NextProperty(ref reader))
            {
                if (reader.ValueTextEquals("choices"u8) && JsonScan.EnterArray(ref reader))
                {
                    Choices(ref reader, output);
                }
                else if (reader.ValueTextEquals("usage"u8))
                {
                    ReadUsage(ref reader);
                }
                else if (reader.ValueTextEquals("error"u8))
                {
                    Error(ref reader, output);
                    return;
                }
                else
                {
                    JsonScan.SkipValue(ref reader);
                }
            }
        }
        catch (Exception exception) when (JsonScan.IsReadFailure(exception))
        {
            throw JsonScan.Malformed(Vendor, exception);
        }
    }

    public void Complete(List<SseEvent> output)
    {
        if (!_closed)
        {
            Close(output);
        }
    }

    /// <summary>The first chunk arrived (<paramref name="id"/> is its completion id).</summary>
    protected abstract void OnStart(string? id, List<SseEvent> output);

    /// <summary>A text (or refusal) delta of the first choice; the span lives until the next read.</summary>
    protected abstract void OnText(ReadOnlySpan<byte> text, List<SseEvent> output);

    /// <summary>A tool-call delta: <paramref name="id"/> and <paramref name="name"/> come with a call's first delta.</summary>
    protected abstract void OnToolCall(int index, string? id, string? name, ReadOnlySpan<byte> arguments, List<SseEvent> output);

    /// <summary>The first choice's finish reason arrived (<see cref="FinishReason"/>).</summary>
    protected abstract void OnFinish(List<SseEvent> output);

    /// <summary>The input completed: the protocol's closing events (usage in <see cref="Counts"/>).</summary>
    protected abstract void OnClose(List<SseEvent> output);

    /// <summary>An OpenAI error event: the protocol's error event. Nothing follows it.</summary>
    protected abstract void OnError(string message, string? type, string? code, List<SseEvent> output);

    protected void Begin()
    {
        _buffer.ResetWrittenCount();
        Json.Reset();
    }

    protected SseEvent End(string eventType)
    {
        Json.Flush();
        return new SseEvent(eventType, _buffer.WrittenSpan.ToArray());
    }

    private void Close(List<SseEvent> output)
    {
        if (!_started)
        {
            _started = true;
            OnStart(null, output);
        }

        OnClose(output);
        _closed = true;
    }

    private void Choices(ref Utf8JsonReader reader, List<SseEvent> output)
    {
        var seen = false;
        while (JsonScan.NextFirstObject(ref reader, ref seen))
        {
            while (JsonScan.NextProperty(ref reader))
            {
                if (reader.ValueTextEquals("delta"u8) && JsonScan.EnterObject(ref reader))
                {
                    Delta(ref reader, output);
                }
                else if (reader.ValueTextEquals("finish_reason"u8))
                {
                    if (JsonScan.StringValue(ref reader) is { } finishReason)
                    {
                        FinishReason = finishReason;
                        OnFinish(output);
                    }
                }
                else
                {
                    JsonScan.SkipValue(ref reader);
                }
            }
        }
    }

    private void Delta(ref Utf8JsonReader reader, List<SseEvent> output)
    {
        while (JsonScan.NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("content"u8) || reader.ValueTextEquals("refusal"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String && _scratch.Value(ref reader) is { IsEmpty: false } text)
                {
                    OnText(text, output);
                }
            }
            else if (reader.ValueTextEquals("tool_calls"u8) && JsonScan.EnterArray(ref reader))
            {
                while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
                {
                    ToolCall(ref reader, output);
                }
            }
            else
            {
                JsonScan.SkipValue(ref reader);
            }
        }
    }

    private void ToolCall(ref Utf8JsonReader reader, List<SseEvent> output)
    {
        var index = 0;
        string? id = null, name = null;
        ReadOnlySpan<byte> arguments = default;
        while (JsonScan.NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("index"u8))
            {
                index = (int)(JsonScan.LongValue(ref reader) ?? 0);
            }
            else if (reader.ValueTextEquals("id"u8))
            {
                id = JsonScan.StringValue(ref reader);
            }
            else if (reader.ValueTextEquals("function"u8) && JsonScan.EnterObject(ref reader))
            {
                while (JsonScan.NextProperty(ref reader))
                {
                    if (reader.ValueTextEquals("name"u8))
                    {
                        name = JsonScan.StringValue(ref reader);
                    }
                    else if (reader.ValueTextEquals("arguments"u8))
                    {
                        reader.Read();
                        arguments = reader.TokenType == JsonTokenType.String ? _scratch.Value(ref reader) : default;
                    }
                    else
                    {
                        JsonScan.SkipValue(ref reader);
                    }
                }
            }
            else
            {
                JsonScan.SkipValue(ref reader);
            }
        }

        OnToolCall(index, id, name, arguments, output);
    }

    private void ReadUsage(ref Utf8JsonReader reader)
    {
        if (!JsonScan.EnterObject(ref reader))
        {
            return;
        }

        long prompt = 0, completion = 0, cached = 0, reasoning = 0;
        while (JsonScan.NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("prompt_tokens"u8))
            {
                prompt = JsonScan.LongValue(ref reader) ?? 0;
            }
            else if (reader.ValueTextEquals("completion_tokens"u8))
            {
                completion = JsonScan.LongValue(ref reader) ?? 0;
            }
            else if (reader.ValueTextEquals("prompt_tokens_details"u8))
            {
                cached = DetailValue(ref reader, "cached_tokens"u8);
            }
            else if (reader.ValueTextEquals("completion_tokens_details"u8))
            {
                reasoning = DetailValue(ref reader, "reasoning_tokens"u8);
            }
            else
            {
                JsonScan.SkipValue(ref reader);
            }
        }

        _hasUsage = true;
        Counts = new UsageCounts(prompt, completion, cached, reasoning);
    }

    private static long DetailValue(ref Utf8JsonReader reader, ReadOnlySpan<byte> name)
    {
        long value = 0;
        if (!JsonScan.EnterObject(ref reader))
        {
            return value;
        }

        while (JsonScan.NextProperty(ref reader))
        {
            if (reader.ValueTextEquals(name))
            {
                value = JsonScan.LongValue(ref reader) ?? 0;
            }
            else
            {
                JsonScan.SkipValue(ref reader);
            }
        }

        return value;
    }

    private void Error(ref Utf8JsonReader reader, List<SseEvent> output)
    {
        string? message = null, type = null, code = null;
        if (JsonScan.EnterObject(ref reader))
        {
            while (JsonScan.NextProperty(ref reader))
            {
                if (reader.ValueTextEquals("message"u8))
                {
                    message = JsonScan.StringValue(ref reader);
                }
                else if (reader.ValueTextEquals("type"u8))
                {
                    type = JsonScan.StringValue(ref reader);
                }
                else if (reader.ValueTextEquals("code"u8))
                {
                    reader.Read();
                    code = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                    reader.Skip();
                }
                else
                {
                    JsonScan.SkipValue(ref reader);
                }
            }
        }

        OnError(message ?? "The channel reported an error.", type, code, output);
        _closed = true;
    }
}
