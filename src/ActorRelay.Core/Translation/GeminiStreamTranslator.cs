using System.Buffers;
using System.Text.Json;
using ActorRelay.Core.Protocol;
using ActorRelay.Core.Sse;

namespace ActorRelay.Core.Translation;

/// <summary>
/// Gemini <c>streamGenerateContent?alt=sse</c> events (each a GenerateContentResponse) → OpenAI chunks: a role chunk first,
/// a content delta per text part, one complete tool-call delta per function call (ids <c>call_&lt;n&gt;</c> counted over
/// the stream), a finish chunk at the first <c>finishReason</c>; usage from the latest <c>usageMetadata</c>. An
/// <c>{"error":...}</c> event becomes an OpenAI error event. <see cref="Complete"/> adds a missing finish chunk, the usage
/// chunk and <c>[DONE]</c>.
/// </summary>
internal sealed class GeminiStreamTranslator : OpenAiChunkEmitter
{
    private readonly ArrayBufferWriter<byte> _arguments = new(256);
    private readonly Utf8JsonWriter _argumentsWriter;
    private bool _hasUsage;
    private long _prompt;
    private long _toolUsePrompt;
    private long _candidates;
    private long _thoughts;
    private long _cached;

    public GeminiStreamTranslator(string model, long created)
        : base("Gemini", model, created) => _argumentsWriter = new Utf8JsonWriter(_arguments, TranslationJson.WriterOptions);

    protected override bool HasUsage => _hasUsage;

    protected override UsageCounts Counts => GeminiMapping.Usage(_prompt, _toolUsePrompt, _candidates, _thoughts, _cached);

    protected override void TranslateEvent(SseEvent input, List<SseEvent> output)
    {
        if (input.IsDone)
        {
            return;
        }

        var data = input.Data.Span;
        if (!Chunks.HasId)
        {
            Chunks.SetId(JsonScan.TopLevelString(data, "responseId"u8));
        }

        var reader = JsonScan.Open(data);
        string? finishReason = null;
        var blocked = false;
        while (JsonScan.NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("candidates"u8))
            {
                finishReason = Candidates(ref reader, output) ?? finishReason;
            }
            else if (reader.ValueTextEquals("usageMetadata"u8))
            {
                ReadUsage(ref reader);
            }
            else if (reader.ValueTextEquals("promptFeedback"u8) && JsonScan.EnterObject(ref reader))
            {
                while (JsonScan.NextProperty(ref reader))
                {
                    blocked |= reader.ValueTextEquals("blockReason"u8);
                    JsonScan.SkipValue(ref reader);
                }
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

        if (finishReason is not null || blocked)
        {
            EnsureRole(output);
            if (Finish(blocked && finishReason is null ? "content_filter" : GeminiMapping.FinishReason(finishReason, ToolCount > 0), output))
            {
                InputCompleted = true;
            }
        }
    }

    /// <summary>Translates the parts of the first candidate; returns its finish reason, if any.</summary>
    private string? Candidates(ref Utf8JsonReader reader, List<SseEvent> output)
    {
        if (!JsonScan.EnterArray(ref reader))
        {
            return null;
        }

        string? finishReason = null;
        var seen = false;
        while (JsonScan.NextFirstObject(ref reader, ref seen))
        {
            while (JsonScan.NextProperty(ref reader))
            {
                if (reader.ValueTextEquals("content"u8) && JsonScan.EnterObject(ref reader))
                {
                    while (JsonScan.NextProperty(ref reader))
                    {
                        if (reader.ValueTextEquals("parts"u8) && JsonScan.EnterArray(ref reader))
                        {
                            while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
                            {
                                Part(ref reader, output);
                            }
                        }
                        else
                        {
                            JsonScan.SkipValue(ref reader);
                        }
                    }
                }
                else if (reader.ValueTextEquals("finishReason"u8))
                {
                    finishReason = JsonScan.StringValue(ref reader);
                }
                else
                {
                    JsonScan.SkipValue(ref reader);
                }
            }
        }

        return finishReason;
    }

    private void Part(ref Utf8JsonReader reader, List<SseEvent> output)
    {
        ReadOnlySpan<byte> text = default;
        var thought = false;
        var isCall = false;
        string? name = null, id = null;
        while (JsonScan.NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("text"u8))
            {
                reader.Read();
                text = reader.TokenType == JsonTokenType.String ? Scratch.Value(ref reader) : default;
            }
            else if (reader.ValueTextEquals("thought"u8))
            {
                reader.Read();
                thought = reader.TokenType == JsonTokenType.True;
            }
            else if (reader.ValueTextEquals("functionCall"u8) && JsonScan.EnterObject(ref reader))
            {
                isCall = true;
                _arguments.ResetWrittenCount();
                _argumentsWriter.Reset();
                while (JsonScan.NextProperty(ref reader))
                {
                    if (reader.ValueTextEquals("name"u8))
                    {
                        name = JsonScan.StringValue(ref reader);
                    }
                    else if (reader.ValueTextEquals("id"u8))
                    {
                        id = JsonScan.StringValue(ref reader);
                    }
                    else if (reader.ValueTextEquals("args"u8))
                    {
                        reader.Read();
                        Scratch.CopyValue(ref reader, _argumentsWriter);
                    }
                    else
                    {
                        JsonScan.SkipValue(ref reader);
                    }
                }

                _argumentsWriter.Flush();
            }
            else
            {
                JsonScan.SkipValue(ref reader);
            }
        }

        if (isCall)
        {
            EnsureRole(output);
            var index = ToolCount++;
            output.Add(Chunks.ToolCallStart(index, id ?? $"call_{index}", name ?? string.Empty, _arguments.WrittenCount == 0 ? "{}"u8 : _arguments.WrittenSpan));
        }
        else if (!thought && !text.IsEmpty)
        {
            EnsureRole(output);
            output.Add(Chunks.Content(text));
        }
    }

    private void ReadUsage(ref Utf8JsonReader reader)
    {
        if (!JsonScan.EnterObject(ref reader))
        {
            return;
        }

        _hasUsage = true;
        while (JsonScan.NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("promptTokenCount"u8))
            {
                _prompt = JsonScan.LongValue(ref reader) ?? _prompt;
            }
            else if (reader.ValueTextEquals("candidatesTokenCount"u8))
            {
                _candidates = JsonScan.LongValue(ref reader) ?? _candidates;
            }
            else if (reader.ValueTextEquals("thoughtsTokenCount"u8))
            {
                _thoughts = JsonScan.LongValue(ref reader) ?? _thoughts;
            }
            else if (reader.ValueTextEquals("cachedContentTokenCount"u8))
            {
                _cached = JsonScan.LongValue(ref reader) ?? _cached;
            }
            else if (reader.ValueTextEquals("toolUsePromptTokenCount"u8))
            {
                _toolUsePrompt = JsonScan.LongValue(ref reader) ?? _toolUsePrompt;
            }
            else
            {
                JsonScan.SkipValue(ref reader);
            }
        }
    }

    private void Error(ref Utf8JsonReader reader, List<SseEvent> output)
    {
        string? message = null, status = null;
        long code = 500;
        if (JsonScan.EnterObject(ref reader))
        {
            while (JsonScan.NextProperty(ref reader))
            {
                if (reader.ValueTextEquals("message"u8))
                {
                    message = JsonScan.StringValue(ref reader);
                }
                else if (reader.ValueTextEquals("status"u8))
                {
                    status = JsonScan.StringValue(ref reader);
                }
                else if (reader.ValueTextEquals("code"u8))
                {
                    code = JsonScan.LongValue(ref reader) ?? code;
                }
                else
                {
                    JsonScan.SkipValue(ref reader);
                }
            }
        }

        Fail(message ?? "The Gemini channel reported an error.", OpenAiErrors.TypeFor((int)code), status, output);
    }
}
