using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ActorRelay.Core.Translation;

/// <summary>
/// Inbound OpenAI Responses API (<c>POST /v1/responses</c>) over the gateway's canonical chat completions, stateless.
/// <list type="bullet">
/// <item><c>instructions</c> → a leading system message; <c>input</c> as a string → one user message; input items:
/// messages (<c>input_text</c>, <c>output_text</c>, <c>input_image</c> parts; roles user, assistant, system, developer),
/// <c>function_call</c> items → assistant <c>tool_calls</c> (consecutive calls merged), <c>function_call_output</c> → <c>tool</c> messages.</item>
/// <item>Function <c>tools</c> (flat form) → chat tools; <c>tool_choice</c>, <c>parallel_tool_calls</c>, <c>max_output_tokens</c>
/// → <c>max_tokens</c>, <c>temperature</c>, <c>top_p</c>, <c>user</c>, <c>text.format</c> (json_object / json_schema) → <c>response_format</c>.</item>
/// <item>Refused (400): <c>previous_response_id</c> and <c>conversation</c> (no stored state), built-in tools (web search, file search...).
/// Dropped: <c>store</c>, <c>metadata</c>, <c>reasoning</c>, <c>include</c>, <c>truncation</c>.</item>
/// </list>
/// Answers: a <c>message</c> output item with one <c>output_text</c> part, then one <c>function_call</c> item per tool call;
/// finish reason <c>length</c> → status <c>incomplete</c> (<c>max_output_tokens</c>), <c>content_filter</c> → incomplete (<c>content_filter</c>).
/// </summary>
public static class ResponsesInbound
{
    /// <summary>Responses request → OpenAI chat request, or the message and parameter of a 400 <c>invalid_request_error</c>.</summary>
    public static bool TryToOpenAi(JsonObject request, [NotNullWhen(true)] out JsonObject? openAiRequest, [NotNullWhen(false)] out string? error, out string? param)
    {
        ArgumentNullException.ThrowIfNull(request);
        try
        {
            openAiRequest = Convert(request);
            (error, param) = (null, null);
            return true;
        }
        catch (ParamException exception)
        {
            (openAiRequest, error, param) = (null, exception.Message, exception.Param);
            return false;
        }
    }

    /// <summary>OpenAI <c>chat.completion</c> → a Responses <c>response</c> object reporting <paramref name="model"/>.</summary>
    /// <exception cref="TranslationException">The body is not a chat completion.</exception>
    public static byte[] FromOpenAiResponse(ReadOnlySpan<byte> openAiCompletion, string model)
    {
        using var document = TranslationJson.TryParse(openAiCompletion);
        var (root, choice, message) = TranslationJson.FirstChoice(document);
        var response = new ResponseState(ResponseId(TranslationJson.String(root, "id")), model, TranslationJson.Long(root, "created"));
        if ((TranslationJson.String(message, "content") ?? TranslationJson.String(message, "refusal")) is { Length: > 0 } text)
        {
            response.Items.Add(ResponseItem.Message($"msg_{response.Suffix}_0", text, done: true));
        }

        if (message.ValueKind == JsonValueKind.Object && message.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
        {
            foreach (var call in calls.EnumerateArray())
            {
                var function = call.TryGetProperty("function", out var f) ? f : default;
                var callId = TranslationJson.String(call, "id") ?? $"call_{response.Items.Count}";
                response.Items.Add(ResponseItem.FunctionCall($"fc_{callId}", callId, TranslationJson.String(function, "name") ?? string.Empty,
                    TranslationJson.String(function, "arguments") ?? "{}", done: true));
            }
        }

        response.FinishReason = TranslationJson.String(choice, "finish_reason");
        response.Usage = root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object ? UsageCounts.FromOpenAi(usage) : default;
        return TranslationJson.Write(response, static (writer, state) => state.Write(writer, completed: true));
    }

    /// <summary>A translator of OpenAI chunks into the Responses event stream (<c>response.created</c> ... <c>response.completed</c>).</summary>
    public static IStreamTranslator CreateStreamTranslator(string model) => new ResponsesStreamTranslator(model, DateTimeOffset.UtcNow.ToUnixTimeSeconds());

    internal static string ResponseId(string? id) =>
        string.IsNullOrEmpty(id) ? $"resp_{Guid.NewGuid():N}" : id.StartsWith("resp_", StringComparison.Ordinal) ? id : "resp_" + id;

    /// <summary>Responses usage: <c>input_tokens</c> include cached ones, as OpenAI's <c>prompt_tokens</c> do.</summary>
    internal static void WriteUsage(Utf8JsonWriter writer, UsageCounts usage)
    {
        writer.WriteStartObject("usage"u8);
        writer.WriteNumber("input_tokens"u8, usage.Prompt);
        writer.WriteStartObject("input_tokens_details"u8);
        writer.WriteNumber("cached_tokens"u8, usage.Cached);
        writer.WriteEndObject();
        writer.WriteNumber("output_tokens"u8, usage.Completion);
        writer.WriteStartObject("output_tokens_details"u8);
        writer.WriteNumber("reasoning_tokens"u8, usage.Reasoning);
        writer.WriteEndObject();
        writer.WriteNumber("total_tokens"u8, usage.Prompt + usage.Completion);
        writer.WriteEndObject();
    }

    private static JsonObject Convert(JsonObject request)
    {
        if (TranslationJson.String(request["model"]) is not { Length: > 0 } model)
        {
            throw new ParamException("You must provide a model parameter.", "model");
        }

        foreach (var stateful in (ReadOnlySpan<string>)["previous_response_id", "conversation"])
        {
            if (request[stateful] is not null)
            {
                throw new ParamException($"'{stateful}' is not supported: ActorRelay does not store responses; send the whole conversation as input.", stateful);
            }
        }

        var messages = new JsonArray();
        if (TranslationJson.String(request["instructions"]) is { Length: > 0 } instructions)
        {
            messages.Add(new JsonObject { ["role"] = "system", ["content"] = instructions });
        }

        switch (request["input"])
        {
            case JsonValue value when TranslationJson.String(value) is { } text:
                messages.Add(new JsonObject { ["role"] = "user", ["content"] = text });
                break;
            case JsonArray items:
                AddItems(messages, items);
                break;
            default:
                throw new ParamException("'input' must be a string or an array of input items.", "input");
        }

        if (messages.Count == 0)
        {
            throw new ParamException("'input' must not be empty.", "input");
        }

        var chat = new JsonObject { ["model"] = model, ["messages"] = messages };
        foreach (var (from, to) in (ReadOnlySpan<(string, string)>)[
            ("temperature", "temperature"), ("top_p", "top_p"), ("max_output_tokens", "max_tokens"), ("parallel_tool_calls", "parallel_tool_calls"), ("user", "user")])
        {
            if (request[from] is JsonValue value)
            {
                chat[to] = value.DeepClone();
            }
        }

        if (TranslationJson.Bool(request["stream"]) == true)
        {
            chat["stream"] = true;
            chat["stream_options"] = new JsonObject { ["include_usage"] = true };
        }

        AddTools(request, chat);
        if (TranslationJson.Get(request["text"], "format") is JsonObject format)
        {
            chat["response_format"] = ResponseFormat(format);
        }

        return chat;
    }

    private static void AddItems(JsonArray messages, JsonArray items)
    {
        JsonArray? pendingCalls = null;
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i] as JsonObject ?? throw new ParamException($"'input[{i}]' must be an object.", $"input[{i}]");
            var type = TranslationJson.String(item["type"]) ?? "message";
            if (type == "function_call")
            {
                if (pendingCalls is null)
                {
                    pendingCalls = [];
                    messages.Add(new JsonObject { ["role"] = "assistant", ["content"] = null, ["tool_calls"] = pendingCalls });
                }

                pendingCalls.Add(new JsonObject
                {
                    ["id"] = TranslationJson.String(item["call_id"]) ?? throw new ParamException($"'input[{i}].call_id' is required.", $"input[{i}].call_id"),
                    ["type"] = "function",
                    ["function"] = new JsonObject
                    {
                        ["name"] = TranslationJson.String(item["name"]) ?? throw new ParamException($"'input[{i}].name' is required.", $"input[{i}].name"),
                        ["arguments"] = TranslationJson.String(item["arguments"]) ?? "{}",
                    },
                });
                continue;
            }

            pendingCalls = null;
            switch (type)
            {
                case "function_call_output":
                    messages.Add(new JsonObject
                    {
                        ["role"] = "tool",
                        ["tool_call_id"] = TranslationJson.String(item["call_id"]) ?? throw new ParamException($"'input[{i}].call_id' is required.", $"input[{i}].call_id"),
                        ["content"] = TranslationJson.String(item["output"]) ?? item["output"]?.ToJsonString() ?? string.Empty,
                    });
                    break;
                case "message":
                    messages.Add(Message(item, i));
                    break;
                default:
                    throw new ParamException($"Input items of type '{type}' are not supported.", $"input[{i}].type");
            }
        }
    }

    private static JsonObject Message(JsonObject item, int index)
    {
        var role = TranslationJson.String(item["role"]);
        if (role is not ("user" or "assistant" or "system" or "developer"))
        {
            throw new ParamException($"'input[{index}].role' must be 'user', 'assistant', 'system' or 'developer'.", $"input[{index}].role");
        }

        var chatRole = role == "developer" ? "system" : role;
        switch (item["content"])
        {
            case JsonValue value when TranslationJson.String(value) is { } text:
                return new JsonObject { ["role"] = chatRole, ["content"] = text };
            case JsonArray parts:
                var content = new JsonArray();
                var onlyText = new System.Text.StringBuilder();
                var hasImage = false;
                for (var p = 0; p < parts.Count; p++)
                {
                    var part = parts[p] as JsonObject;
                    switch (TranslationJson.String(part?["type"]))
                    {
                        case "input_text" or "output_text" or "text":
                            var partText = TranslationJson.String(part!["text"]) ?? string.Empty;
                            onlyText.Append(partText);
                            content.Add(new JsonObject { ["type"] = "text", ["text"] = partText });
                            break;
                        case "input_image":
                            hasImage = true;
                            var url = TranslationJson.String(part!["image_url"])
                                ?? throw new ParamException($"'input[{index}].content[{p}].image_url' is required (file ids are not supported).", $"input[{index}].content[{p}].image_url");
                            var image = new JsonObject { ["url"] = url };
                            if (TranslationJson.String(part["detail"]) is { } detail)
                            {
                                image["detail"] = detail;
                            }

                            content.Add(new JsonObject { ["type"] = "image_url", ["image_url"] = image });
                            break;
                        case "refusal":
                            onlyText.Append(TranslationJson.String(part!["refusal"]));
                            break;
                        default:
                            throw new ParamException($"Content parts of type '{TranslationJson.String(part?["type"])}' are not supported.", $"input[{index}].content[{p}].type");
                    }
                }

                // Assistant and system turns take text only in chat completions.
                return hasImage && chatRole == "user"
                    ? new JsonObject { ["role"] = chatRole, ["content"] = content }
                    : new JsonObject { ["role"] = chatRole, ["content"] = onlyText.ToString() };
            default:
                throw new ParamException($"'input[{index}].content' must be a string or an array of content parts.", $"input[{index}].content");
        }
    }

    private static void AddTools(JsonObject request, JsonObject chat)
    {
        if (request["tools"] is JsonArray { Count: > 0 } tools)
        {
            var chatTools = new JsonArray();
            for (var i = 0; i < tools.Count; i++)
            {
                var tool = tools[i] as JsonObject;
                if (TranslationJson.String(tool?["type"]) != "function")
                {
                    throw new ParamException($"Tools of type '{TranslationJson.String(tool?["type"])}' are not supported; only function tools are.", $"tools[{i}].type");
                }

                var function = new JsonObject { ["name"] = TranslationJson.String(tool!["name"]) ?? throw new ParamException($"'tools[{i}].name' is required.", $"tools[{i}].name") };
                foreach (var field in (ReadOnlySpan<string>)["description", "parameters", "strict"])
                {
                    if (tool[field] is { } value)
                    {
                        function[field] = value.DeepClone();
                    }
                }

                chatTools.Add(new JsonObject { ["type"] = "function", ["function"] = function });
            }

            chat["tools"] = chatTools;
        }

        switch (request["tool_choice"])
        {
            case JsonValue value when TranslationJson.String(value) is { } choice:
                chat["tool_choice"] = choice;
                break;
            case JsonObject { } choice when TranslationJson.String(choice["type"]) == "function":
                chat["tool_choice"] = new JsonObject { ["type"] = "function", ["function"] = new JsonObject { ["name"] = TranslationJson.String(choice["name"]) } };
                break;
            case null:
                break;
            default:
                throw new ParamException("'tool_choice' must be 'auto', 'none', 'required' or a function.", "tool_choice");
        }
    }

    private static JsonObject ResponseFormat(JsonObject format) => TranslationJson.String(format["type"]) switch
    {
        "json_object" => new JsonObject { ["type"] = "json_object" },
        "json_schema" => new JsonObject
        {
            ["type"] = "json_schema",
            ["json_schema"] = new JsonObject
            {
                ["name"] = TranslationJson.String(format["name"]) ?? "response",
                ["schema"] = format["schema"]?.DeepClone(),
                ["strict"] = TranslationJson.Bool(format["strict"]) ?? false,
            },
        },
        _ => new JsonObject { ["type"] = "text" },
    };

    private sealed class ParamException(string message, string param) : Exception(message)
    {
        public string Param { get; } = param;
    }
}

/// <summary>One output item of a response: a message with its text, or a function call with its arguments.</summary>
internal sealed class ResponseItem
{
    private ResponseItem(bool isMessage, string id, string? callId, string? name, string text, bool done)
    {
        Done = done;
        IsMessage = isMessage;
        Id = id;
        CallId = callId;
        Name = name;
        Text.Append(text);
    }

    public bool IsMessage { get; }

    public string Id { get; }

    public string? CallId { get; }

    public string? Name { get; }

    /// <summary>The message's text or the call's arguments, so far.</summary>
    public System.Text.StringBuilder Text { get; } = new();

    public bool Done { get; set; }

    /// <summary>A message item; a streamed one starts empty and not done.</summary>
    public static ResponseItem Message(string id, string text, bool done) => new(true, id, null, null, text, done);

    public static ResponseItem FunctionCall(string id, string callId, string name, string arguments, bool done) => new(false, id, callId, name, arguments, done);

    public void Write(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        if (IsMessage)
        {
            writer.WriteString("type"u8, "message"u8);
            writer.WriteString("id"u8, Id);
            writer.WriteString("status"u8, Done ? "completed"u8 : "in_progress"u8);
            writer.WriteString("role"u8, "assistant"u8);
            writer.WriteStartArray("content"u8);
            if (Done)
            {
                WriteTextPart(writer, Text.ToString());
            }

            writer.WriteEndArray();
        }
        else
        {
            writer.WriteString("type"u8, "function_call"u8);
            writer.WriteString("id"u8, Id);
            writer.WriteString("call_id"u8, CallId);
            writer.WriteString("name"u8, Name);
            writer.WriteString("arguments"u8, Done ? Text.ToString() : string.Empty);
            writer.WriteString("status"u8, Done ? "completed"u8 : "in_progress"u8);
        }

        writer.WriteEndObject();
    }

    public static void WriteTextPart(Utf8JsonWriter writer, string text)
    {
        writer.WriteStartObject();
        writer.WriteString("type"u8, "output_text"u8);
        writer.WriteString("text"u8, text);
        writer.WriteStartArray("annotations"u8);
        writer.WriteEndArray();
        writer.WriteEndObject();
    }
}

/// <summary>A response object as it stands: id, model, items, finish reason and usage.</summary>
internal sealed class ResponseState(string id, string model, long created)
{
    public string Id { get; } = id;

    /// <summary>A short unique part for item ids.</summary>
    public string Suffix { get; } = id.Length > 12 ? id[^12..] : id;

    public List<ResponseItem> Items { get; } = [];

    public string? FinishReason { get; set; }

    public UsageCounts Usage { get; set; }

    public void Write(Utf8JsonWriter writer, bool completed)
    {
        var incomplete = completed ? FinishReason switch { "length" => "max_output_tokens", "content_filter" => "content_filter", _ => null } : null;
        writer.WriteStartObject();
        writer.WriteString("id"u8, Id);
        writer.WriteString("object"u8, "response"u8);
        writer.WriteNumber("created_at"u8, created);
        writer.WriteString("status"u8, !completed ? "in_progress"u8 : incomplete is null ? "completed"u8 : "incomplete"u8);
        writer.WriteNull("error"u8);
        if (incomplete is null)
        {
            writer.WriteNull("incomplete_details"u8);
        }
        else
        {
            writer.WriteStartObject("incomplete_details"u8);
            writer.WriteString("reason"u8, incomplete);
            writer.WriteEndObject();
        }

        writer.WriteString("model"u8, model);
        writer.WriteStartArray("output"u8);
        foreach (var item in Items)
        {
            item.Write(writer);
        }

        writer.WriteEndArray();
        if (completed)
        {
            ResponsesInbound.WriteUsage(writer, Usage);
        }
        else
        {
            writer.WriteNull("usage"u8);
        }

        writer.WriteEndObject();
    }
}
