using System.Text.Json;
using ActorRelay.Core.Protocol;
using ActorRelay.Core.Sse;

namespace ActorRelay.Core.Translation;

/// <summary>
/// Anthropic Messages stream events → OpenAI chunks: <c>message_start</c> → role chunk; text blocks → content deltas;
/// <c>tool_use</c> blocks → a tool-call delta (index, id, name) then argument fragments; <c>message_delta</c> → finish
/// chunk; <c>error</c> → an OpenAI error event. <see cref="Complete"/> adds the usage chunk and <c>[DONE]</c>.
/// Pings, block stops and thinking blocks produce nothing.
/// </summary>
internal sealed class AnthropicStreamTranslator(string model, long created) : OpenAiChunkEmitter("Anthropic", model, created)
{
    private const int NotATool = -1;

    private readonly List<int> _toolIndexByBlock = [];
    private bool _hasUsage;
    private long _input;
    private long _cacheRead;
    private long _cacheCreation;
    private long _output;

    protected override bool HasUsage => _hasUsage;

    protected override UsageCounts Counts => new(_input + _cacheRead + _cacheCreation, _output, _cacheRead, 0);

    protected override void TranslateEvent(SseEvent input, List<SseEvent> output)
    {
        var data = input.Data.Span;
        switch (input.EventType ?? JsonScan.TopLevelString(data, "type"u8))
        {
            case "message_start":
                MessageStart(data, output);
                break;
            case "content_block_start":
                BlockStart(data, output);
                break;
            case "content_block_delta":
                BlockDelta(data, output);
                break;
            case "message_delta":
                MessageDelta(data, output);
                break;
            case "message_stop":
                InputCompleted = true;
                break;
            case "error":
                Error(data, output);
                break;
        }
    }

    private void MessageStart(ReadOnlySpan<byte> data, List<SseEvent> output)
    {
        var reader = JsonScan.Open(data);
        while (JsonScan.NextProperty(ref reader))
        {
            if (!reader.ValueTextEquals("message"u8) || !JsonScan.EnterObject(ref reader))
            {
                JsonScan.SkipValue(ref reader);
                continue;
            }

            while (JsonScan.NextProperty(ref reader))
            {
                if (reader.ValueTextEquals("id"u8))
                {
                    Chunks.SetId(JsonScan.StringValue(ref reader));
                }
                else if (reader.ValueTextEquals("usage"u8))
                {
                    ReadUsage(ref reader);
                }
                else
                {
                    JsonScan.SkipValue(ref reader);
                }
            }
        }

        EnsureRole(output);
    }

    private void BlockStart(ReadOnlySpan<byte> data, List<SseEvent> output)
    {
        var reader = JsonScan.Open(data);
        var index = -1;
        var isTool = false;
        string? id = null, name = null;
        ReadOnlySpan<byte> text = default;
        while (JsonScan.NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("index"u8))
            {
                index = (int)(JsonScan.LongValue(ref reader) ?? -1);
            }
            else if (reader.ValueTextEquals("content_block"u8) && JsonScan.EnterObject(ref reader))
            {
                while (JsonScan.NextProperty(ref reader))
                {
                    if (reader.ValueTextEquals("type"u8))
                    {
                        reader.Read();
                        isTool = reader.ValueTextEquals("tool_use"u8);
                    }
                    else if (reader.ValueTextEquals("id"u8))
                    {
                        id = JsonScan.StringValue(ref reader);
                    }
                    else if (reader.ValueTextEquals("name"u8))
                    {
                        name = JsonScan.StringValue(ref reader);
                    }
                    else if (reader.ValueTextEquals("text"u8))
                    {
                        reader.Read();
                        text = reader.TokenType == JsonTokenType.String ? Scratch.Value(ref reader) : default;
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

        EnsureRole(output);
        if (index < 0)
        {
            return;
        }

        while (_toolIndexByBlock.Count <= index)
        {
            _toolIndexByBlock.Add(NotATool);
        }

        if (isTool)
        {
            var toolIndex = ToolCount++;
            _toolIndexByBlock[index] = toolIndex;
            output.Add(Chunks.ToolCallStart(toolIndex, id ?? $"toolu_{toolIndex}", name ?? string.Empty, default));
        }
        else if (!text.IsEmpty)
        {
            output.Add(Chunks.Content(text));
        }
    }

    private void BlockDelta(ReadOnlySpan<byte> data, List<SseEvent> output)
    {
        var reader = JsonScan.Open(data);
        var index = -1;
        var kind = DeltaKind.Other;
        ReadOnlySpan<byte> value = default;
        while (JsonScan.NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("index"u8))
            {
                index = (int)(JsonScan.LongValue(ref reader) ?? -1);
            }
            else if (reader.ValueTextEquals("delta"u8) && JsonScan.EnterObject(ref reader))
            {
                while (JsonScan.NextProperty(ref reader))
                {
                    if (reader.ValueTextEquals("type"u8))
                    {
                        reader.Read();
                        kind = reader.ValueTextEquals("text_delta"u8) ? DeltaKind.Text
                            : reader.ValueTextEquals("input_json_delta"u8) ? DeltaKind.Json
                            : DeltaKind.Other;
                    }
                    else if (reader.ValueTextEquals("text"u8) || reader.ValueTextEquals("partial_json"u8))
                    {
                        reader.Read();
                        value = reader.TokenType == JsonTokenType.String ? Scratch.Value(ref reader) : default;
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

        if (value.IsEmpty)
        {
            return;
        }

        EnsureRole(output);
        if (kind == DeltaKind.Text)
        {
            output.Add(Chunks.Content(value));
        }
        else if (kind == DeltaKind.Json && index >= 0 && index < _toolIndexByBlock.Count && _toolIndexByBlock[index] != NotATool)
        {
            output.Add(Chunks.ToolCallArguments(_toolIndexByBlock[index], value));
        }
    }

    private void MessageDelta(ReadOnlySpan<byte> data, List<SseEvent> output)
    {
        var reader = JsonScan.Open(data);
        string? stopReason = null;
        while (JsonScan.NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("delta"u8) && JsonScan.EnterObject(ref reader))
            {
                while (JsonScan.NextProperty(ref reader))
                {
                    if (reader.ValueTextEquals("stop_reason"u8))
                    {
                        stopReason = JsonScan.StringValue(ref reader);
                    }
                    else
                    {
                        JsonScan.SkipValue(ref reader);
                    }
                }
            }
            else if (reader.ValueTextEquals("usage"u8))
            {
                ReadUsage(ref reader);
            }
            else
            {
                JsonScan.SkipValue(ref reader);
            }
        }

        EnsureRole(output);
        if (stopReason is not null)
        {
            Finish(AnthropicMapping.FinishReason(stopReason), output);
        }
    }

    private void Error(ReadOnlySpan<byte> data, List<SseEvent> output)
    {
        var reader = JsonScan.Open(data);
        string? type = null, message = null;
        while (JsonScan.NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("error"u8) && JsonScan.EnterObject(ref reader))
            {
                while (JsonScan.NextProperty(ref reader))
                {
                    if (reader.ValueTextEquals("type"u8))
                    {
                        type = JsonScan.StringValue(ref reader);
                    }
                    else if (reader.ValueTextEquals("message"u8))
                    {
                        message = JsonScan.StringValue(ref reader);
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

        Fail(message ?? "The Anthropic channel reported an error.", OpenAiErrors.TypeFor(AnthropicMapping.Status(type)), type, output);
    }

    /// <summary>Reads an Anthropic usage object; absent fields keep their earlier values (message_delta repeats only some).</summary>
    private void ReadUsage(ref Utf8JsonReader reader)
    {
        if (!JsonScan.EnterObject(ref reader))
        {
            return;
        }

        _hasUsage = true;
        while (JsonScan.NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("input_tokens"u8))
            {
                _input = JsonScan.LongValue(ref reader) ?? _input;
            }
            else if (reader.ValueTextEquals("output_tokens"u8))
            {
                _output = JsonScan.LongValue(ref reader) ?? _output;
            }
            else if (reader.ValueTextEquals("cache_read_input_tokens"u8))
            {
                _cacheRead = JsonScan.LongValue(ref reader) ?? _cacheRead;
            }
            else if (reader.ValueTextEquals("cache_creation_input_tokens"u8))
            {
                _cacheCreation = JsonScan.LongValue(ref reader) ?? _cacheCreation;
            }
            else
            {
                JsonScan.SkipValue(ref reader);
            }
        }
    }

    private enum DeltaKind
    {
        Other,
        Text,
        Json,
    }
}
