using System.Text;
using System.Text.Json.Nodes;

namespace ActorRelay.Core.Translation;

/// <summary>
/// OpenAI chat request → Anthropic Messages request.
/// <list type="bullet">
/// <item>System and developer messages become the top-level <c>system</c> (joined by blank lines).</item>
/// <item>Consecutive messages that map to the same role merge into one message: <c>tool</c> messages become
/// <c>tool_result</c> blocks of one user message, followed by any user content that comes next.</item>
/// <item><c>max_tokens</c> is required by Anthropic: 4096 when the request sets none.</item>
/// <item><c>temperature</c> is clamped to Anthropic's range 0–1.</item>
/// <item><c>response_format</c> has no Anthropic equivalent: <c>json_object</c> and <c>json_schema</c> become an instruction
/// appended to <c>system</c> (best effort; the answer is not validated).</item>
/// <item>Not translated: <c>n</c> &gt; 1 and audio inputs (rejected), <c>logprobs</c>, <c>seed</c>, penalties, <c>reasoning_effort</c> (dropped).</item>
/// </list>
/// </summary>
internal static class AnthropicRequestBuilder
{
    public const int DefaultMaxTokens = 4096;

    public static JsonObject Build(JsonObject request, string vendorModel, bool stream)
    {
        OpenAiRequestParts.RequireSingleChoice(request, "Anthropic");
        var system = new StringBuilder();
        var messages = new JsonArray();
        if (request["messages"] is JsonArray source)
        {
            foreach (var node in source)
            {
                if (node is not JsonObject message)
                {
                    continue;
                }

                var role = TranslationJson.String(message["role"]);
                switch (role)
                {
                    case "system" or "developer":
                        AppendParagraph(system, OpenAiRequestParts.Text(message["content"]));
                        break;
                    case "user":
                        Append(messages, "user", UserContent(message["content"]));
                        break;
                    case "assistant":
                        Append(messages, "assistant", AssistantContent(message));
                        break;
                    case "tool":
                        Append(messages, "user", new JsonArray(ToolResult(message)));
                        break;
                    default:
                        throw new TranslationException($"Messages with role '{role}' are not supported by Anthropic channels.");
                }
            }
        }

        AppendParagraph(system, OpenAiRequestParts.JsonInstruction(request));
        var body = new JsonObject
        {
            ["model"] = vendorModel,
            ["max_tokens"] = OpenAiRequestParts.MaxTokens(request) ?? DefaultMaxTokens,
        };
        if (system.Length > 0)
        {
            body["system"] = system.ToString();
        }

        body["messages"] = messages;
        if (TranslationJson.Double(request["temperature"]) is { } temperature)
        {
            body["temperature"] = Math.Clamp(temperature, 0, 1);
        }

        if (request["top_p"] is JsonValue topP)
        {
            body["top_p"] = topP.DeepClone();
        }

        if (TranslationJson.StringList(request["stop"]) is { } stop)
        {
            body["stop_sequences"] = stop;
        }

        if (stream)
        {
            body["stream"] = true;
        }

        AddTools(request, body);
        if (TranslationJson.String(request["user"]) is { } user)
        {
            body["metadata"] = new JsonObject { ["user_id"] = user };
        }

        return body;
    }

    private static void AppendParagraph(StringBuilder text, string? paragraph)
    {
        if (!string.IsNullOrEmpty(paragraph))
        {
            text.Append(text.Length == 0 ? string.Empty : "\n\n").Append(paragraph);
        }
    }

    /// <summary>Adds a message, or merges its content into the previous one when both have the same role.</summary>
    private static void Append(JsonArray messages, string role, JsonNode? content)
    {
        if (content is null)
        {
            return;
        }

        if (messages.Count > 0 && messages[^1] is JsonObject last && TranslationJson.String(last["role"]) == role)
        {
            if (last["content"] is not JsonArray merged)
            {
                merged = [TextBlock(TranslationJson.String(last["content"]) ?? string.Empty)];
                last["content"] = merged;
            }

            foreach (var block in content is JsonArray blocks ? blocks : [TextBlock(TranslationJson.String(content) ?? string.Empty)])
            {
                merged.Add(block!.DeepClone());
            }

            return;
        }

        messages.Add(new JsonObject { ["role"] = role, ["content"] = content });
    }

    private static JsonObject TextBlock(string text) => new() { ["type"] = "text", ["text"] = text };

    private static JsonNode UserContent(JsonNode? content)
    {
        if (content is not JsonArray parts)
        {
            return OpenAiRequestParts.Text(content);
        }

        var blocks = new JsonArray();
        foreach (var node in parts)
        {
            if (node is not JsonObject part)
            {
                continue;
            }

            switch (TranslationJson.String(part["type"]))
            {
                case "text" when TranslationJson.String(part["text"]) is { Length: > 0 } text:
                    blocks.Add(TextBlock(text));
                    break;
                case "text":
                    break;
                case "image_url":
                    blocks.Add(new JsonObject { ["type"] = "image", ["source"] = Source(OpenAiRequestParts.ImageUrl(part)) });
                    break;
                case "file" when TranslationJson.String(part["file"], "file_data") is { } fileData:
                    blocks.Add(new JsonObject { ["type"] = "document", ["source"] = Source(fileData) });
                    break;
                case var type:
                    throw new TranslationException($"Content parts of type '{type}' are not supported by Anthropic channels.");
            }
        }

        return blocks;
    }

    private static JsonObject Source(string url) =>
        OpenAiRequestParts.TryParseDataUrl(url, out var mediaType, out var data)
            ? new JsonObject { ["type"] = "base64", ["media_type"] = mediaType, ["data"] = data }
            : new JsonObject { ["type"] = "url", ["url"] = OpenAiRequestParts.RequireHttpUrl(url) };

    /// <summary>Assistant text, then one <c>tool_use</c> block per tool call; null for an empty message (Anthropic rejects those).</summary>
    private static JsonNode? AssistantContent(JsonObject message)
    {
        var text = OpenAiRequestParts.Text(message["content"]);
        if (message["tool_calls"] is not JsonArray { Count: > 0 } calls)
        {
            return text.Length == 0 ? null : text;
        }

        var blocks = new JsonArray();
        if (text.Length > 0)
        {
            blocks.Add(TextBlock(text));
        }

        foreach (var call in calls)
        {
            var function = TranslationJson.Get(call, "function");
            blocks.Add(new JsonObject
            {
                ["type"] = "tool_use",
                ["id"] = TranslationJson.String(call, "id") ?? throw new TranslationException("An assistant tool call needs an 'id'."),
                ["name"] = TranslationJson.String(function, "name") ?? throw new TranslationException("An assistant tool call needs a 'function.name'."),
                ["input"] = TranslationJson.ParseObject(TranslationJson.String(function, "arguments")),
            });
        }

        return blocks;
    }

    private static JsonObject ToolResult(JsonObject message) => new()
    {
        ["type"] = "tool_result",
        ["tool_use_id"] = TranslationJson.String(message["tool_call_id"]) ?? throw new TranslationException("A tool message needs a 'tool_call_id'."),
        ["content"] = OpenAiRequestParts.Text(message["content"]),
    };

    private static void AddTools(JsonObject request, JsonObject body)
    {
        if (request["tools"] is not JsonArray { Count: > 0 } tools)
        {
            return;
        }

        var translated = new JsonArray();
        foreach (var tool in tools)
        {
            if (tool is not JsonObject { } definition || TranslationJson.String(definition["type"]) is not (null or "function"))
            {
                throw new TranslationException("Only function tools are supported by Anthropic channels.");
            }

            var function = definition["function"] as JsonObject ?? throw new TranslationException("A function tool needs a 'function'.");
            var anthropicTool = new JsonObject
            {
                ["name"] = TranslationJson.String(function["name"]) ?? throw new TranslationException("A function tool needs a 'function.name'."),
            };
            if (TranslationJson.String(function["description"]) is { } description)
            {
                anthropicTool["description"] = description;
            }

            anthropicTool["input_schema"] = function["parameters"] is JsonObject parameters
                ? parameters.DeepClone()
                : new JsonObject { ["type"] = "object", ["properties"] = new JsonObject() };
            translated.Add(anthropicTool);
        }

        body["tools"] = translated;
        var choice = ToolChoice(request["tool_choice"]);
        if (TranslationJson.Bool(request["parallel_tool_calls"]) == false && TranslationJson.String(choice, "type") != "none")
        {
            choice ??= new JsonObject { ["type"] = "auto" };
            choice["disable_parallel_tool_use"] = true;
        }

        if (choice is not null)
        {
            body["tool_choice"] = choice;
        }
    }

    private static JsonObject? ToolChoice(JsonNode? choice)
    {
        if (choice is JsonObject named)
        {
            var name = TranslationJson.String(named["function"], "name") ?? throw new TranslationException("A named 'tool_choice' needs a 'function.name'.");
            return new JsonObject { ["type"] = "tool", ["name"] = name };
        }

        return TranslationJson.String(choice) switch
        {
            null => null,
            "auto" => new JsonObject { ["type"] = "auto" },
            "required" => new JsonObject { ["type"] = "any" },
            "none" => new JsonObject { ["type"] = "none" },
            var other => throw new TranslationException($"'tool_choice' '{other}' is not supported."),
        };
    }
}
