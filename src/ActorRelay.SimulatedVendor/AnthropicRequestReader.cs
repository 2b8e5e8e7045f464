using System.Text.Json;

namespace ActorRelay.SimulatedVendor;

/// <summary>Reads and validates an Anthropic Messages request (<c>POST /v1/messages</c>).</summary>
internal static class AnthropicRequestReader
{
    /// <exception cref="InvalidRequestException">The request is not a valid Messages request.</exception>
    public static async Task<ChatRequest> ReadAsync(Stream body, CancellationToken cancellationToken)
    {
        using var document = await RequestJson.ParseObjectAsync(body, cancellationToken);
        var root = document.RootElement;
        if (RequestJson.String(root, "model") is not { } model || string.IsNullOrWhiteSpace(model))
        {
            throw new InvalidRequestException("model: Field required");
        }

        var maxTokens = RequestJson.PositiveInt(root, "max_tokens", "max_tokens: Input should be an integer of at least 1")
            ?? throw new InvalidRequestException("max_tokens: Field required");
        var stream = RequestJson.Flag(root, "stream", "stream: Input should be a valid boolean");
        if (RequestJson.Property(root, "messages") is not { ValueKind: JsonValueKind.Array } messages || messages.GetArrayLength() == 0)
        {
            throw new InvalidRequestException("messages: Field required (at least one message)");
        }

        var promptTokens = 0;
        var system = RequestJson.Property(root, "system");
        if (system.ValueKind is JsonValueKind.String or JsonValueKind.Array)
        {
            promptTokens += 1 + ChatRequest.CountWords(system.ValueKind == JsonValueKind.String ? system.GetString() : RequestJson.JoinTexts(system.EnumerateArray()));
        }

        var lastUserMessage = string.Empty;
        string? lastToolResult = null;
        string? lastRole = null;
        var index = 0;
        foreach (var message in messages.EnumerateArray())
        {
            lastRole = RequestJson.String(message, "role");
            if (lastRole is not ("user" or "assistant"))
            {
                throw new InvalidRequestException($"messages.{index}.role: Input should be 'user' or 'assistant'");
            }

            var (text, toolResult) = Read(RequestJson.Property(message, "content"), index);
            promptTokens += 1 + ChatRequest.CountWords(text) + ChatRequest.CountWords(toolResult);
            if (lastRole == "user" && (toolResult is null || text.Length > 0))
            {
                lastUserMessage = text;
            }

            lastToolResult = toolResult;
            index++;
        }

        var tool = FirstTool(root);
        return new ChatRequest(model, stream, IncludeUsage: true, maxTokens, lastUserMessage, promptTokens)
        {
            ToolCall = lastRole == "user" && lastToolResult is null && tool is { } offered ? SimulatedToolCall.For(offered.Name, offered.Schema) : null,
            ToolResult = lastRole == "user" ? lastToolResult : null,
        };
    }

    /// <summary>A message's text blocks, and the text of its last <c>tool_result</c> block (null when it has none).</summary>
    private static (string Text, string? ToolResult) Read(JsonElement content, int index)
    {
        if (content.ValueKind == JsonValueKind.String)
        {
            return (content.GetString()!, null);
        }

        if (content.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidRequestException($"messages.{index}.content: Input should be a valid string or list of content blocks");
        }

        string? toolResult = null;
        foreach (var block in content.EnumerateArray())
        {
            switch (RequestJson.String(block, "type"))
            {
                case null:
                    throw new InvalidRequestException($"messages.{index}.content: every content block needs a 'type'");
                case "tool_result":
                    var result = RequestJson.Property(block, "content");
                    toolResult = result.ValueKind == JsonValueKind.Array ? RequestJson.JoinTexts(result.EnumerateArray()) : RequestJson.String(block, "content") ?? string.Empty;
                    break;
            }
        }

        return (RequestJson.JoinTexts(content.EnumerateArray().Where(block => RequestJson.String(block, "type") == "text")), toolResult);
    }

    /// <summary>The first client tool, unless <c>tool_choice</c> is <c>none</c>.</summary>
    private static (string Name, JsonElement Schema)? FirstTool(JsonElement root)
    {
        if (RequestJson.String(RequestJson.Property(root, "tool_choice"), "type") == "none"
            || RequestJson.Property(root, "tools") is not { ValueKind: JsonValueKind.Array } tools || tools.GetArrayLength() == 0)
        {
            return null;
        }

        var first = tools[0];
        return RequestJson.String(first, "name") is { Length: > 0 } name
            ? (name, RequestJson.Property(first, "input_schema"))
            : throw new InvalidRequestException("tools.0.name: Field required");
    }
}
