using System.Buffers;
using System.Text.Json;
using ActorRelay.Core.Protocol;
using ActorRelay.Core.Sse;

namespace ActorRelay.Core.Translation;

/// <summary>
/// OpenAI chunks → the Anthropic Messages event sequence: <c>message_start</c>, then per content block
/// <c>content_block_start</c> (a <c>ping</c> after the first), <c>content_block_delta</c>s and <c>content_block_stop</c>,
/// then <c>message_delta</c> (stop reason and usage, which OpenAI reports last) and <c>message_stop</c> at <c>[DONE]</c> or
/// <see cref="Complete"/>. An OpenAI error event becomes an Anthropic <c>error</c> event and ends the output.
/// A tool call's deltas that arrive after a later block opened keep their own block index (Anthropic SDKs accumulate by index).
/// </summary>
internal sealed class AnthropicInboundStreamTranslator : IStreamTranslator
{
    private const string Vendor = "OpenAI";
    private const int None = -1;

    private readonly ArrayBufferWriter<byte> _buffer = new(512);
    private readonly Utf8JsonWriter _json;
    private readonly Utf8Scratch _scratch = new();
    private readonly string _model;
    private readonly List<int> _blockByToolIndex = [];
    private int _nextBlock;
    private int _openBlock = None;
    private bool _openIsText;
    private bool _started;
    private bool _pinged;
    private bool _closed;
    private string? _finishReason;
    private bool _hasUsage;
    private UsageCounts _usage;

    public AnthropicInboundStreamTranslator(string model)
    {
        _model = model;
        _json = new Utf8JsonWriter(_buffer, TranslationJson.WriterOptions);
    }

    public TokenUsage? Usage => _hasUsage ? _usage.ToTokenUsage() : null;

    public bool InputCompleted { get; private set; }

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
                Start(JsonScan.TopLevelString(data, "id"u8), output);
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

    private void Start(string? id, List<SseEvent> output)
    {
        _started = true;
        Begin();
        _json.WriteStartObject();
        _json.WriteString("type"u8, "message_start"u8);
        _json.WriteStartObject("message"u8);
        _json.WriteString("id"u8, AnthropicInbound.MessageId(id));
        _json.WriteString("type"u8, "message"u8);
        _json.WriteString("role"u8, "assistant"u8);
        _json.WriteString("model"u8, _model);
        _json.WriteStartArray("content"u8);
        _json.WriteEndArray();
        _json.WriteNull("stop_reason"u8);
        _json.WriteNull("stop_sequence"u8);
        AnthropicInbound.WriteUsage(_json, default);
        _json.WriteEndObject();
        _json.WriteEndObject();
        output.Add(End("message_start"));
    }

    private void Choices(ref Utf8JsonReader reader, List<SseEvent> output)
    {
        var first = true;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (!first || reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }

            first = false;
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
                        _finishReason = finishReason;
                        CloseBlock(output);
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
                    Text(text, output);
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

    private void Text(ReadOnlySpan<byte> text, List<SseEvent> output)
    {
        if (_openBlock == None || !_openIsText)
        {
            CloseBlock(output);
            OpenBlock(isText: true, id: null, name: null, output);
        }

        BeginDelta(_openBlock);
        _json.WriteString("type"u8, "text_delta"u8);
        _json.WriteString("text"u8, text);
        output.Add(EndDelta());
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

        while (_blockByToolIndex.Count <= index)
        {
            _blockByToolIndex.Add(None);
        }

        if (_blockByToolIndex[index] == None)
        {
            CloseBlock(output);
            _blockByToolIndex[index] = OpenBlock(isText: false, id ?? $"toolu_{index}", name ?? string.Empty, output);
        }

        if (!arguments.IsEmpty)
        {
            BeginDelta(_blockByToolIndex[index]);
            _json.WriteString("type"u8, "input_json_delta"u8);
            _json.WriteString("partial_json"u8, arguments);
            output.Add(EndDelta());
        }
    }

    private int OpenBlock(bool isText, string? id, string? name, List<SseEvent> output)
    {
        var index = _nextBlock++;
        Begin();
        _json.WriteStartObject();
        _json.WriteString("type"u8, "content_block_start"u8);
        _json.WriteNumber("index"u8, index);
        _json.WriteStartObject("content_block"u8);
        if (isText)
        {
            _json.WriteString("type"u8, "text"u8);
            _json.WriteString("text"u8, ""u8);
        }
        else
        {
            _json.WriteString("type"u8, "tool_use"u8);
            _json.WriteString("id"u8, id);
            _json.WriteString("name"u8, name);
            _json.WriteStartObject("input"u8);
            _json.WriteEndObject();
        }

        _json.WriteEndObject();
        _json.WriteEndObject();
        output.Add(End("content_block_start"));
        _openBlock = index;
        _openIsText = isText;
        if (!_pinged)
        {
            _pinged = true;
            Begin();
            _json.WriteStartObject();
            _json.WriteString("type"u8, "ping"u8);
            _json.WriteEndObject();
            output.Add(End("ping"));
        }

        return index;
    }

    private void CloseBlock(List<SseEvent> output)
    {
        if (_openBlock == None)
        {
            return;
        }

        Begin();
        _json.WriteStartObject();
        _json.WriteString("type"u8, "content_block_stop"u8);
        _json.WriteNumber("index"u8, _openBlock);
        _json.WriteEndObject();
        output.Add(End("content_block_stop"));
        _openBlock = None;
    }

    private void Close(List<SseEvent> output)
    {
        if (!_started)
        {
            Start(null, output);
        }

        CloseBlock(output);
        Begin();
        _json.WriteStartObject();
        _json.WriteString("type"u8, "message_delta"u8);
        _json.WriteStartObject("delta"u8);
        _json.WriteString("stop_reason"u8, AnthropicMapping.StopReason(_finishReason));
        _json.WriteNull("stop_sequence"u8);
        _json.WriteEndObject();
        AnthropicInbound.WriteUsage(_json, _usage);
        _json.WriteEndObject();
        output.Add(End("message_delta"));
        Begin();
        _json.WriteStartObject();
        _json.WriteString("type"u8, "message_stop"u8);
        _json.WriteEndObject();
        output.Add(End("message_stop"));
        _closed = true;
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
            else if (reader.ValueTextEquals("prompt_tokens_details"u8) && JsonScan.EnterObject(ref reader))
            {
                while (JsonScan.NextProperty(ref reader))
                {
                    if (reader.ValueTextEquals("cached_tokens"u8))
                    {
                        cached = JsonScan.LongValue(ref reader) ?? 0;
                    }
                    else
                    {
                        JsonScan.SkipValue(ref reader);
                    }
                }
            }
            else if (reader.ValueTextEquals("completion_tokens_details"u8) && JsonScan.EnterObject(ref reader))
            {
                while (JsonScan.NextProperty(ref reader))
                {
                    if (reader.ValueTextEquals("reasoning_tokens"u8))
                    {
                        reasoning = JsonScan.LongValue(ref reader) ?? 0;
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

        _hasUsage = true;
        _usage = new UsageCounts(prompt, completion, cached, reasoning);
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

        Begin();
        AnthropicInbound.WriteError(_json, AnthropicMapping.ErrorTypeFromOpenAi(type, code), message ?? "The channel reported an error.");
        output.Add(End("error"));
        _closed = true;
    }

    private void BeginDelta(int index)
    {
        Begin();
        _json.WriteStartObject();
        _json.WriteString("type"u8, "content_block_delta"u8);
        _json.WriteNumber("index"u8, index);
        _json.WriteStartObject("delta"u8);
    }

    private SseEvent EndDelta()
    {
        _json.WriteEndObject();
        _json.WriteEndObject();
        return End("content_block_delta");
    }

    private void Begin()
    {
        _buffer.ResetWrittenCount();
        _json.Reset();
    }

    private SseEvent End(string eventType)
    {
        _json.Flush();
        return new SseEvent(eventType, _buffer.WrittenSpan.ToArray());
    }
}
