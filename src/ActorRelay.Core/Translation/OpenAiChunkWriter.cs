using System.Buffers;
using System.Text.Json;
using ActorRelay.Core.Sse;

namespace ActorRelay.Core.Translation;

/// <summary>
/// Writes the OpenAI <c>chat.completion.chunk</c> events of one stream into a reused buffer; each event costs one
/// exact-size array. Every chunk repeats the stream's id, creation time and model.
/// </summary>
internal sealed class OpenAiChunkWriter
{
    private readonly ArrayBufferWriter<byte> _buffer = new(512);
    private readonly Utf8JsonWriter _json;
    private readonly JsonEncodedText _model;
    private readonly long _created;
    private JsonEncodedText _id;

    public OpenAiChunkWriter(string model, long created)
    {
        _json = new Utf8JsonWriter(_buffer, TranslationJson.WriterOptions);
        _model = JsonEncodedText.Encode(model, TranslationJson.WriterOptions.Encoder);
        _created = created;
    }

    public bool HasId { get; private set; }

    /// <summary>Sets the id every chunk repeats; a missing vendor id gets a fresh <c>chatcmpl-</c> one.</summary>
    public void SetId(string? id)
    {
        _id = JsonEncodedText.Encode(string.IsNullOrEmpty(id) ? $"chatcmpl-{Guid.NewGuid():N}" : id, TranslationJson.WriterOptions.Encoder);
        HasId = true;
    }

    /// <summary>The first chunk: <c>{"role":"assistant","content":""}</c>.</summary>
    public SseEvent Role()
    {
        BeginChoice();
        _json.WriteString("role"u8, "assistant"u8);
        _json.WriteString("content"u8, ""u8);
        return EndChoice(null);
    }

    public SseEvent Content(ReadOnlySpan<byte> utf8Text)
    {
        BeginChoice();
        _json.WriteString("content"u8, utf8Text);
        return EndChoice(null);
    }

    /// <summary>The first delta of a tool call: index, id, type, name and the arguments known so far (often empty).</summary>
    public SseEvent ToolCallStart(int index, string id, string name, ReadOnlySpan<byte> arguments)
    {
        BeginChoice();
        _json.WriteStartArray("tool_calls"u8);
        _json.WriteStartObject();
        _json.WriteNumber("index"u8, index);
        _json.WriteString("id"u8, id);
        _json.WriteString("type"u8, "function"u8);
        _json.WriteStartObject("function"u8);
        _json.WriteString("name"u8, name);
        _json.WriteString("arguments"u8, arguments);
        _json.WriteEndObject();
        _json.WriteEndObject();
        _json.WriteEndArray();
        return EndChoice(null);
    }

    /// <summary>A further fragment of a tool call's arguments.</summary>
    public SseEvent ToolCallArguments(int index, ReadOnlySpan<byte> fragment)
    {
        BeginChoice();
        _json.WriteStartArray("tool_calls"u8);
        _json.WriteStartObject();
        _json.WriteNumber("index"u8, index);
        _json.WriteStartObject("function"u8);
        _json.WriteString("arguments"u8, fragment);
        _json.WriteEndObject();
        _json.WriteEndObject();
        _json.WriteEndArray();
        return EndChoice(null);
    }

    public SseEvent Finish(string finishReason)
    {
        BeginChoice();
        return EndChoice(finishReason);
    }

    /// <summary>The usage chunk OpenAI sends last with <c>stream_options.include_usage</c>: no choices.</summary>
    public SseEvent Usage(UsageCounts usage)
    {
        BeginChunk();
        _json.WriteEndArray();
        usage.WriteOpenAi(_json);
        _json.WriteEndObject();
        return End();
    }

    /// <summary>An error inside a started stream: <c>data: {"error":{...}}</c>, which OpenAI SDKs raise as an API error.</summary>
    public SseEvent Error(string message, string type, string? code)
    {
        Begin();
        OpenAiErrors.Write(_json, message, type, code);
        return End();
    }

    private void Begin()
    {
        _buffer.ResetWrittenCount();
        _json.Reset();
    }

    private void BeginChunk()
    {
        if (!HasId)
        {
            SetId(null);
        }

        Begin();
        _json.WriteStartObject();
        _json.WriteString("id"u8, _id);
        _json.WriteString("object"u8, "chat.completion.chunk"u8);
        _json.WriteNumber("created"u8, _created);
        _json.WriteString("model"u8, _model);
        _json.WriteStartArray("choices"u8);
    }

    private void BeginChoice()
    {
        BeginChunk();
        _json.WriteStartObject();
        _json.WriteNumber("index"u8, 0);
        _json.WriteStartObject("delta"u8);
    }

    private SseEvent EndChoice(string? finishReason)
    {
        _json.WriteEndObject();
        _json.WriteNull("logprobs"u8);
        if (finishReason is null)
        {
            _json.WriteNull("finish_reason"u8);
        }
        else
        {
            _json.WriteString("finish_reason"u8, finishReason);
        }

        _json.WriteEndObject();
        _json.WriteEndArray();
        _json.WriteEndObject();
        return End();
    }

    private SseEvent End()
    {
        _json.Flush();
        return new SseEvent(null, _buffer.WrittenSpan.ToArray());
    }
}
