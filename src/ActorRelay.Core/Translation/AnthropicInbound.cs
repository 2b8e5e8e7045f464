using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ActorRelay.Core.Translation;

/// <summary>
/// Inbound Anthropic Messages (a client on the Anthropic SDK) over the gateway's canonical OpenAI protocol.
/// <list type="bullet">
/// <item><c>system</c> → a leading system message; <c>tool_result</c> blocks → <c>tool</c> messages placed before the rest
/// of their user message; <c>tool_use</c> blocks → assistant <c>tool_calls</c>; images and base64 PDF documents → content parts.</item>
/// <item><c>max_tokens</c> → <c>max_tokens</c>; <c>stop_sequences</c> → <c>stop</c>; streams ask for usage
/// (<c>stream_options.include_usage</c>), which the Anthropic events need.</item>
/// <item>Dropped: <c>top_k</c>, <c>thinking</c> and thinking blocks, <c>cache_control</c>, <c>service_tier</c>; a
/// <c>tool_result</c>'s <c>is_error</c> flag and images inside tool results. Server tools are rejected.</item>
/// </list>
/// </summary>
public static class AnthropicInbound
{
    /// <summary>Anthropic Messages request → OpenAI chat request, or the message of a 400 <c>invalid_request_error</c>.</summary>
    public static bool TryToOpenAi(JsonObject anthropicRequest, [NotNullWhen(true)] out JsonObject? openAiRequest, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(anthropicRequest);
        openAiRequest = null;
        try
        {
            openAiRequest = Convert(anthropicRequest);
            error = null;
            return true;
        }
        catch (TranslationException exception)
        {
            error = exception.Message;
            return false;
        }
    }

    /// <summary>OpenAI <c>chat.completion</c> → Anthropic <c>message</c> reporting <paramref name="model"/>.</summary>
    /// <exception cref="TranslationException">The body is not a chat completion.</exception>
    public static byte[] FromOpenAiResponse(ReadOnlySpan<byte> openAiCompletion, string model)
    {
        using var document = TranslationJson.TryParse(openAiCompletion);
        var (root, choice, message) = TranslationJson.FirstChoice(document);
        return TranslationJson.Write((root, choice, message, model), static (writer, state) =>
        {
            var (root, choice, message, model) = state;
            writer.WriteStartObject();
            writer.WriteString("id"u8, MessageId(TranslationJson.String(root, "id")));
            writer.WriteString("type"u8, "message"u8);
            writer.WriteString("role"u8, "assistant"u8);
            writer.WriteString("model"u8, model);
            writer.WriteStartArray("content"u8);
            var text = TranslationJson.String(message, "content") ?? TranslationJson.String(message, "refusal");
            if (!string.IsNullOrEmpty(text))
            {
                writer.WriteStartObject();
                writer.WriteString("type"u8, "text"u8);
                writer.WriteString("text"u8, text);
                writer.WriteEndObject();
            }

            if (message.ValueKind == JsonValueKind.Object && message.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
            {
                foreach (var call in calls.EnumerateArray())
                {
                    var function = call.TryGetProperty("function", out var f) ? f : default;
                    writer.WriteStartObject();
                    writer.WriteString("type"u8, "tool_use"u8);
                    writer.WriteString("id"u8, TranslationJson.String(call, "id") ?? string.Empty);
                    writer.WriteString("name"u8, TranslationJson.String(function, "name") ?? string.Empty);
                    writer.WritePropertyName("input"u8);
                    TranslationJson.ParseObject(TranslationJson.String(function, "arguments")).WriteTo(writer);
                    writer.WriteEndObject();
                }
            }

            writer.WriteEndArray();
            writer.WriteString("stop_reason"u8, AnthropicMapping.StopReason(TranslationJson.String(choice, "finish_reason")));
            writer.WriteNull("stop_sequence"u8);
            var usage = root.TryGetProperty("usage", out var u) && u.ValueKind == JsonValueKind.Object ? UsageCounts.FromOpenAi(u) : default;
            WriteUsage(writer, usage);
            writer.WriteEndObject();
        });
    }

    /// <summary>A translator of OpenAI chunks into the Anthropic event sequence (<c>event:</c> names and data).</summary>
    public static IStreamTranslator CreateStreamTranslator(string model) => new AnthropicInboundStreamTranslator(model);

    /// <summary>An Anthropic error body <c>{"type":"error","error":{"type","message"}}</c>, to be sent with <paramref name="status"/>.</summary>
    public static byte[] Error(int status, string message, string type) =>
        TranslationJson.Write((message, type), static (writer, error) => WriteError(writer, error.type, error.message));

    /// <summary>An OpenAI error body (a vendor's or the gateway's) → an Anthropic error body; unreadable bodies keep their status.</summary>
    public static byte[] FromOpenAiError(int status, ReadOnlySpan<byte> openAiError)
    {
        using var document = TranslationJson.TryParse(openAiError);
        if (document?.RootElement is { ValueKind: JsonValueKind.Object } root
            && root.TryGetProperty("error", out var error)
            && TranslationJson.String(error, "message") is { } message)
        {
            var mapped = AnthropicMapping.ErrorTypeFromOpenAi(TranslationJson.String(error, "type"), TranslationJson.String(error, "code"));
            return Error(status, message, status is >= 400 and < 500 && mapped != "api_error" ? mapped : ErrorType(status));
        }

        return Error(status, $"The channel answered HTTP {status}.", ErrorType(status));
    }

    /// <summary>The Anthropic error type of an HTTP status.</summary>
    public static string ErrorType(int status) => AnthropicMapping.ErrorType(status);

    internal static void WriteError(Utf8JsonWriter writer, string type, string message)
    {
        writer.WriteStartObject();
        writer.WriteString("type"u8, "error"u8);
        writer.WriteStartObject("error"u8);
        writer.WriteString("type"u8, type);
        writer.WriteString("message"u8, message);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>Anthropic usage: <c>input_tokens</c> excludes cache reads, which OpenAI's <c>prompt_tokens</c> include.</summary>
    internal static void WriteUsage(Utf8JsonWriter writer, UsageCounts usage)
    {
        writer.WriteStartObject("usage"u8);
        writer.WriteNumber("input_tokens"u8, Math.Max(0, usage.Prompt - usage.Cached));
        writer.WriteNumber("cache_creation_input_tokens"u8, 0);
        writer.WriteNumber("cache_read_input_tokens"u8, usage.Cached);
        writer.WriteNumber("output_tokens"u8, usage.Completion);
        writer.WriteEndObject();
    }

    /// <summary>Anthropic message ids start with <c>msg_</c>.</summary>
    internal static string MessageId(string? id) =>
        string.IsNullOrEmpty(id) ? $"msg_{Guid.NewGuid():N}" : id.StartsWith("msg_", StringComparison.Ordinal) ? id : "msg_" + id;

    private static JsonObject Convert(JsonObject request)
    {
        var model = TranslationJson.String(request["model"]);
        if (string.IsNullOrWhiteSpace(model))
        {
            throw new TranslationException("model: Field required");
        }

        if (TranslationJson.Long(request["max_tokens"]) is not { } maxTokens || maxTokens < 1)
        {
            throw new TranslationException("max_tokens: Field required (an integer of at least 1)");
        }

        if (request["messages"] is not JsonArray { Count: > 0 } source)
        {
            throw new TranslationException("messages: Field required (at least one message)");
        }

        var messages = new JsonArray();
        if (SystemText(request["system"]) is { Length: > 0 } system)
        {
            messages.Add(new JsonObject { ["role"] = "system", ["content"] = system });
        }

        for (var i = 0; i < source.Count; i++)
        {
            if (source[i] is not JsonObject message)
            {
                throw new TranslationException($"messages.{i}: Input should be an object");
            }

            switch (TranslationJson.String(message["role"]))
            {
                case "user":
                    AddUser(messages, message["content"], i);
                    break;
                case "assistant":
                    messages.Add(Assistant(message["content"], i));
                    break;
                default:
                    throw new TranslationException($"messages.{i}.role: Input should be 'user' or 'assistant'");
            }
        }

        var openAi = new JsonObject { ["model"] = model, ["messages"] = messages, ["max_tokens"] = maxTokens };
        foreach (var (from, to) in (ReadOnlySpan<(string, string)>)[("temperature", "temperature"), ("top_p", "top_p")])
        {
            if (request[from] is JsonValue value)
            {
                openAi[to] = value.DeepClone();
            }
        }

        if (TranslationJson.StringList(request["stop_sequences"]) is { } stop)
        {
            openAi["stop"] = stop;
        }

        if (TranslationJson.Bool(request["stream"]) == true)
        {
            openAi["stream"] = true;
            openAi["stream_options"] = new JsonObject { ["include_usage"] = true };
        }

        AddTools(request, openAi);
        if (TranslationJson.String(request["metadata"], "user_id") is { } user)
        {
            openAi["user"] = user;
        }

        return openAi;
    }

    private static string? SystemText(JsonNode? system)
    {
        if (system is not JsonArray blocks)
        {
            return TranslationJson.String(system);
        }

        var text = new StringBuilder();
        foreach (var block in blocks)
        {
            if (TranslationJson.String(block, "text") is { } blockText)
            {
                text.Append(text.Length == 0 ? string.Empty : "\n").Append(blockText);
            }
        }

        return text.ToString();
    }

    /// <summary>A user turn: its tool results as <c>tool</c> messages first, then the rest as one user message.</summary>
    private static void AddUser(JsonArray messages, JsonNode? content, int index)
    {
        if (content is not JsonArray blocks)
        {
            messages.Add(new JsonObject { ["role"] = "user", ["content"] = TranslationJson.String(content) ?? throw Invalid(index, "content") });
            return;
        }

        var parts = new JsonArray();
        for (var b = 0; b < blocks.Count; b++)
        {
            var block = blocks[b] as JsonObject ?? throw Invalid(index, $"content.{b}");
            switch (TranslationJson.String(block["type"]))
            {
                case "text":
                    parts.Add(new JsonObject { ["type"] = "text", ["text"] = TranslationJson.String(block["text"]) ?? string.Empty });
                    break;
                case "image":
                    parts.Add(new JsonObject { ["type"] = "image_url", ["image_url"] = new JsonObject { ["url"] = SourceUrl(block["source"], index, b) } });
                    break;
                case "document":
                    parts.Add(Document(block["source"], index, b));
                    break;
                case "tool_result":
                    messages.Add(new JsonObject
                    {
                        ["role"] = "tool",
                        ["tool_call_id"] = TranslationJson.String(block["tool_use_id"]) ?? throw Invalid(index, $"content.{b}.tool_use_id"),
                        ["content"] = ToolResultText(block["content"]),
                    });
                    break;
                case var type:
                    throw new TranslationException($"messages.{index}.content.{b}: content blocks of type '{type}' are not supported");
            }
        }

        if (parts.Count > 0)
        {
            messages.Add(new JsonObject
            {
                ["role"] = "user",
                ["content"] = parts is [JsonObject { } only] && TranslationJson.String(only["type"]) == "text" ? only["text"]!.DeepClone() : parts,
            });
        }
    }

    private static JsonObject Assistant(JsonNode? content, int index)
    {
        if (content is not JsonArray blocks)
        {
            return new JsonObject { ["role"] = "assistant", ["content"] = TranslationJson.String(content) ?? throw Invalid(index, "content") };
        }

        var text = new StringBuilder();
        var calls = new JsonArray();
        foreach (var node in blocks)
        {
            if (node is not JsonObject block)
            {
                throw Invalid(index, "content");
            }

            switch (TranslationJson.String(block["type"]))
            {
                case "text":
                    text.Append(TranslationJson.String(block["text"]));
                    break;
                case "tool_use":
                    calls.Add(new JsonObject
                    {
                        ["id"] = TranslationJson.String(block["id"]) ?? throw Invalid(index, "content.id"),
                        ["type"] = "function",
                        ["function"] = new JsonObject
                        {
                            ["name"] = TranslationJson.String(block["name"]) ?? throw Invalid(index, "content.name"),
                            ["arguments"] = Encoding.UTF8.GetString(TranslationJson.ToBytes(block["input"] as JsonObject ?? [])),
                        },
                    });
                    break;
            }
        }

        var message = new JsonObject { ["role"] = "assistant", ["content"] = text.Length > 0 || calls.Count == 0 ? text.ToString() : null };
        if (calls.Count > 0)
        {
            message["tool_calls"] = calls;
        }

        return message;
    }

    private static string SourceUrl(JsonNode? source, int index, int block) => TranslationJson.String(source, "type") switch
    {
        "base64" => $"data:{TranslationJson.String(source, "media_type")};base64,{TranslationJson.String(source, "data")}",
        "url" => TranslationJson.String(source, "url") ?? throw Invalid(index, $"content.{block}.source.url"),
        _ => throw new TranslationException($"messages.{index}.content.{block}.source: only base64 and url sources are supported"),
    };

    private static JsonObject Document(JsonNode? source, int index, int block)
    {
        if (TranslationJson.String(source, "type") == "text")
        {
            return new JsonObject { ["type"] = "text", ["text"] = TranslationJson.String(source, "data") ?? string.Empty };
        }

        if (TranslationJson.String(source, "type") != "base64")
        {
            throw new TranslationException($"messages.{index}.content.{block}.source: only base64 and text documents are supported");
        }

        return new JsonObject
        {
            ["type"] = "file",
            ["file"] = new JsonObject { ["filename"] = "document.pdf", ["file_data"] = SourceUrl(source, index, block) },
        };
    }

    private static string ToolResultText(JsonNode? content)
    {
        if (content is not JsonArray blocks)
        {
            return TranslationJson.String(content) ?? string.Empty;
        }

        var text = new StringBuilder();
        foreach (var block in blocks)
        {
            if (TranslationJson.String(block, "type") == "text")
            {
                text.Append(text.Length == 0 ? string.Empty : "\n").Append(TranslationJson.String(block, "text"));
            }
        }

        return text.ToString();
    }

    private static void AddTools(JsonObject request, JsonObject openAi)
    {
        if (request["tools"] is JsonArray { Count: > 0 } tools)
        {
            var functions = new JsonArray();
            for (var i = 0; i < tools.Count; i++)
            {
                if (tools[i] is not JsonObject tool || TranslationJson.String(tool["type"]) is not (null or "custom"))
                {
                    throw new TranslationException($"tools.{i}: only custom (client) tools are supported");
                }

                var function = new JsonObject { ["name"] = TranslationJson.String(tool["name"]) ?? throw new TranslationException($"tools.{i}.name: Field required") };
                if (TranslationJson.String(tool["description"]) is { } description)
                {
                    function["description"] = description;
                }

                function["parameters"] = tool["input_schema"]?.DeepClone() ?? new JsonObject { ["type"] = "object" };
                functions.Add(new JsonObject { ["type"] = "function", ["function"] = function });
            }

            openAi["tools"] = functions;
        }

        if (request["tool_choice"] is not JsonObject choice)
        {
            return;
        }

        openAi["tool_choice"] = TranslationJson.String(choice["type"]) switch
        {
            "auto" => "auto",
            "any" => "required",
            "none" => "none",
            "tool" => new JsonObject
            {
                ["type"] = "function",
                ["function"] = new JsonObject { ["name"] = TranslationJson.String(choice["name"]) ?? throw new TranslationException("tool_choice.name: Field required") },
            },
            var other => throw new TranslationException($"tool_choice.type: '{other}' is not supported"),
        };
        if (TranslationJson.Bool(choice["disable_parallel_tool_use"]) == true && openAi.ContainsKey("tools"))
        {
            openAi["parallel_tool_calls"] = false;
        }
    }

    private static TranslationException Invalid(int index, string field) => new($"messages.{index}.{field}: invalid or missing value");
}
