using ActorRelay.Core.Sse;

namespace ActorRelay.Core.Translation;

/// <summary>
/// OpenAI chunks → the Anthropic Messages event sequence: <c>message_start</c>, then per content block
/// <c>content_block_start</c> (a <c>ping</c> after the first), <c>content_block_delta</c>s and <c>content_block_stop</c>,
/// then <c>message_delta</c> (stop reason and usage, which OpenAI reports last) and <c>message_stop</c> at <c>[DONE]</c> or
/// <see cref="OpenAiChunkReader.Complete"/>. An OpenAI error event becomes an Anthropic <c>error</c> event and ends the output.
/// A tool call's deltas that arrive after a later block opened keep their own block index (Anthropic SDKs accumulate by index).
/// </summary>
internal sealed class AnthropicInboundStreamTranslator(string model) : OpenAiChunkReader
{
    private const int None = -1;

    private readonly List<int> _blockByToolIndex = [];
    private int _nextBlock;
    private int _openBlock = None;
    private bool _openIsText;
    private bool _pinged;

    protected override void OnStart(string? id, List<SseEvent> output)
    {
        Begin();
        Json.WriteStartObject();
        Json.WriteString("type"u8, "message_start"u8);
        Json.WriteStartObject("message"u8);
        Json.WriteString("id"u8, AnthropicInbound.MessageId(id));
        Json.WriteString("type"u8, "message"u8);
        Json.WriteString("role"u8, "assistant"u8);
        Json.WriteString("model"u8, model);
        Json.WriteStartArray("content"u8);
        Json.WriteEndArray();
        Json.WriteNull("stop_reason"u8);
        Json.WriteNull("stop_sequence"u8);
        AnthropicInbound.WriteUsage(Json, default);
        Json.WriteEndObject();
        Json.WriteEndObject();
        output.Add(End("message_start"));
    }

    protected override void OnText(ReadOnlySpan<byte> text, List<SseEvent> output)
    {
        if (_openBlock == None || !_openIsText)
        {
            CloseBlock(output);
            OpenBlock(isText: true, id: null, name: null, output);
        }

        BeginDelta(_openBlock);
        Json.WriteString("type"u8, "text_delta"u8);
        Json.WriteString("text"u8, text);
        output.Add(EndDelta());
    }

    protected override void OnToolCall(int index, string? id, string? name, ReadOnlySpan<byte> arguments, List<SseEvent> output)
    {
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
            Json.WriteString("type"u8, "input_json_delta"u8);
            Json.WriteString("partial_json"u8, arguments);
            output.Add(EndDelta());
        }
    }

    protected override void OnFinish(List<SseEvent> output) => CloseBlock(output);

    protected override void OnClose(List<SseEvent> output)
    {
        CloseBlock(output);
        Begin();
        Json.WriteStartObject();
        Json.WriteString("type"u8, "message_delta"u8);
        Json.WriteStartObject("delta"u8);
        Json.WriteString("stop_reason"u8, AnthropicMapping.StopReason(FinishReason));
        Json.WriteNull("stop_sequence"u8);
        Json.WriteEndObject();
        AnthropicInbound.WriteUsage(Json, Counts);
        Json.WriteEndObject();
        output.Add(End("message_delta"));
        Begin();
        Json.WriteStartObject();
        Json.WriteString("type"u8, "message_stop"u8);
        Json.WriteEndObject();
        output.Add(End("message_stop"));
    }

    protected override void OnError(string message, string? type, string? code, List<SseEvent> output)
    {
        Begin();
        AnthropicInbound.WriteError(Json, AnthropicMapping.ErrorTypeFromOpenAi(type, code), message);
        output.Add(End("error"));
    }

    private int OpenBlock(bool isText, string? id, string? name, List<SseEvent> output)
    {
        var index = _nextBlock++;
        Begin();
        Json.WriteStartObject();
        Json.WriteString("type"u8, "content_block_start"u8);
        Json.WriteNumber("index"u8, index);
        Json.WriteStartObject("content_block"u8);
        if (isText)
        {
            Json.WriteString("type"u8, "text"u8);
            Json.WriteString("text"u8, ""u8);
        }
        else
        {
            Json.WriteString("type"u8, "tool_use"u8);
            Json.WriteString("id"u8, id);
            Json.WriteString("name"u8, name);
            Json.WriteStartObject("input"u8);
            Json.WriteEndObject();
        }

        Json.WriteEndObject();
        Json.WriteEndObject();
        output.Add(End("content_block_start"));
        _openBlock = index;
        _openIsText = isText;
        if (!_pinged)
        {
            _pinged = true;
            Begin();
            Json.WriteStartObject();
            Json.WriteString("type"u8, "ping"u8);
            Json.WriteEndObject();
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
        Json.WriteStartObject();
        Json.WriteString("type"u8, "content_block_stop"u8);
        Json.WriteNumber("index"u8, _openBlock);
        Json.WriteEndObject();
        output.Add(End("content_block_stop"));
        _openBlock = None;
    }

    private void BeginDelta(int index)
    {
        Begin();
        Json.WriteStartObject();
        Json.WriteString("type"u8, "content_block_delta"u8);
        Json.WriteNumber("index"u8, index);
        Json.WriteStartObject("delta"u8);
    }

    private SseEvent EndDelta()
    {
        Json.WriteEndObject();
        Json.WriteEndObject();
        return End("content_block_delta");
    }
}
