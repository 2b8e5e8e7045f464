using System.Text;
using ActorRelay.Core.Sse;

namespace ActorRelay.Core.Translation;

/// <summary>
/// OpenAI chunks → the Responses API's typed events, each with its <c>sequence_number</c>: <c>response.created</c> and
/// <c>response.in_progress</c>; for text, <c>response.output_item.added</c> (a message), <c>response.content_part.added</c>,
/// <c>response.output_text.delta</c>s, then <c>response.output_text.done</c>, <c>response.content_part.done</c> and
/// <c>response.output_item.done</c>; for each tool call, <c>response.output_item.added</c> (a function call),
/// <c>response.function_call_arguments.delta</c>s, <c>.done</c> and <c>response.output_item.done</c>; finally
/// <c>response.completed</c> (or <c>response.incomplete</c>) with the whole response and usage. An OpenAI error event
/// becomes an <c>error</c> event.
/// </summary>
internal sealed class ResponsesStreamTranslator(string model, long created) : OpenAiChunkReader
{
    private const int None = -1;

    private readonly List<int> _itemByToolIndex = [];
    private ResponseState? _response;
    private int _sequence;
    private int _openItem = None;

    private ResponseState Response => _response ?? throw new InvalidOperationException("The stream has not started.");

    protected override void OnStart(string? id, List<SseEvent> output)
    {
        _response = new ResponseState(ResponsesInbound.ResponseId(id), model, created);
        WriteResponseEvent("response.created", completed: false, output);
        WriteResponseEvent("response.in_progress", completed: false, output);
    }

    protected override void OnText(ReadOnlySpan<byte> text, List<SseEvent> output)
    {
        if (_openItem == None || !Response.Items[_openItem].IsMessage)
        {
            CloseItem(output);
            OpenItem(ResponseItem.Message($"msg_{Response.Suffix}_{Response.Items.Count}", string.Empty, done: false), output);
            BeginEvent("response.content_part.added");
            WriteItemPosition(_openItem, withContentIndex: true);
            Json.WritePropertyName("part"u8);
            ResponseItem.WriteTextPart(Json, string.Empty);
            output.Add(EndEvent("response.content_part.added"));
        }

        var item = Response.Items[_openItem];
        item.Text.Append(Encoding.UTF8.GetString(text));
        BeginEvent("response.output_text.delta");
        WriteItemPosition(_openItem, withContentIndex: true);
        Json.WriteString("delta"u8, text);
        output.Add(EndEvent("response.output_text.delta"));
    }

    protected override void OnToolCall(int index, string? id, string? name, ReadOnlySpan<byte> arguments, List<SseEvent> output)
    {
        while (_itemByToolIndex.Count <= index)
        {
            _itemByToolIndex.Add(None);
        }

        if (_itemByToolIndex[index] == None)
        {
            CloseItem(output);
            var callId = id ?? $"call_{index}";
            _itemByToolIndex[index] = OpenItem(ResponseItem.FunctionCall($"fc_{callId}", callId, name ?? string.Empty, string.Empty, done: false), output);
        }

        if (!arguments.IsEmpty)
        {
            var position = _itemByToolIndex[index];
            Response.Items[position].Text.Append(Encoding.UTF8.GetString(arguments));
            BeginEvent("response.function_call_arguments.delta");
            WriteItemPosition(position, withContentIndex: false);
            Json.WriteString("delta"u8, arguments);
            output.Add(EndEvent("response.function_call_arguments.delta"));
        }
    }

    protected override void OnFinish(List<SseEvent> output) => CloseItem(output);

    protected override void OnClose(List<SseEvent> output)
    {
        CloseItem(output);
        for (var i = 0; i < Response.Items.Count; i++)
        {
            if (!Response.Items[i].Done)
            {
                _openItem = i;
                CloseItem(output);
            }
        }

        Response.FinishReason = FinishReason;
        Response.Usage = Counts;
        var type = FinishReason is "length" or "content_filter" ? "response.incomplete" : "response.completed";
        WriteResponseEvent(type, completed: true, output);
    }

    protected override void OnError(string message, string? type, string? code, List<SseEvent> output)
    {
        BeginEvent("error");
        Json.WriteString("code"u8, code ?? type ?? "server_error");
        Json.WriteString("message"u8, message);
        Json.WriteNull("param"u8);
        output.Add(EndEvent("error"));
    }

    private int OpenItem(ResponseItem item, List<SseEvent> output)
    {
        Response.Items.Add(item);
        _openItem = Response.Items.Count - 1;
        BeginEvent("response.output_item.added");
        Json.WriteNumber("output_index"u8, _openItem);
        Json.WritePropertyName("item"u8);
        item.Write(Json);
        output.Add(EndEvent("response.output_item.added"));
        return _openItem;
    }

    /// <summary>Closes the open item: its done events, then <c>response.output_item.done</c>.</summary>
    private void CloseItem(List<SseEvent> output)
    {
        if (_openItem == None)
        {
            return;
        }

        var item = Response.Items[_openItem];
        var text = item.Text.ToString();
        if (item.IsMessage)
        {
            BeginEvent("response.output_text.done");
            WriteItemPosition(_openItem, withContentIndex: true);
            Json.WriteString("text"u8, text);
            output.Add(EndEvent("response.output_text.done"));
            BeginEvent("response.content_part.done");
            WriteItemPosition(_openItem, withContentIndex: true);
            Json.WritePropertyName("part"u8);
            ResponseItem.WriteTextPart(Json, text);
            output.Add(EndEvent("response.content_part.done"));
        }
        else
        {
            BeginEvent("response.function_call_arguments.done");
            WriteItemPosition(_openItem, withContentIndex: false);
            Json.WriteString("arguments"u8, text);
            output.Add(EndEvent("response.function_call_arguments.done"));
        }

        item.Done = true;
        BeginEvent("response.output_item.done");
        Json.WriteNumber("output_index"u8, _openItem);
        Json.WritePropertyName("item"u8);
        item.Write(Json);
        output.Add(EndEvent("response.output_item.done"));
        _openItem = None;
    }

    private void WriteResponseEvent(string type, bool completed, List<SseEvent> output)
    {
        BeginEvent(type);
        Json.WritePropertyName("response"u8);
        Response.Write(Json, completed);
        output.Add(EndEvent(type));
    }

    private void WriteItemPosition(int outputIndex, bool withContentIndex)
    {
        Json.WriteString("item_id"u8, Response.Items[outputIndex].Id);
        Json.WriteNumber("output_index"u8, outputIndex);
        if (withContentIndex)
        {
            Json.WriteNumber("content_index"u8, 0);
        }
    }

    private void BeginEvent(string type)
    {
        Begin();
        Json.WriteStartObject();
        Json.WriteString("type"u8, type);
        Json.WriteNumber("sequence_number"u8, _sequence++);
    }

    private SseEvent EndEvent(string type)
    {
        Json.WriteEndObject();
        return End(type);
    }
}
