using System.Text.Json;

namespace ActorRelay.SimulatedVendor;

/// <summary>Reads and validates a Gemini <c>GenerateContentRequest</c>; the model and the stream flag come from the path.</summary>
internal static class GeminiRequestReader
{
    /// <exception cref="InvalidRequestException">The request is not a valid GenerateContentRequest.</exception>
    public static async Task<ChatRequest> ReadAsync(Stream body, string model, bool stream, CancellationToken cancellationToken)
    {
        using var document = await RequestJson.ParseObjectAsync(body, cancellationToken);
        var root = document.RootElement;
        if (RequestJson.Property(root, "contents") is not { ValueKind: JsonValueKind.Array } contents || contents.GetArrayLength() == 0)
        {
            throw new InvalidRequestException("* GenerateContentRequest.contents: contents is not specified");
        }

        var config = RequestJson.Property(root, "generationConfig");
        var maxTokens = RequestJson.PositiveInt(config, "maxOutputTokens", "* GenerateContentRequest.generation_config.max_output_tokens: must be a positive integer");
        var promptTokens = 0;
        if (RequestJson.Property(RequestJson.Property(root, "systemInstruction"), "parts") is { ValueKind: JsonValueKind.Array } systemParts)
        {
            promptTokens += 1 + ChatRequest.CountWords(RequestJson.JoinTexts(systemParts.EnumerateArray()));
        }

        var lastUserMessage = string.Empty;
        string? lastToolResult = null;
        string? lastRole = null;
        var index = 0;
        foreach (var content in contents.EnumerateArray())
        {
            lastRole = RequestJson.String(content, "role") ?? "user";
            if (lastRole is not ("user" or "model"))
            {
                throw new InvalidRequestException($"* GenerateContentRequest.contents[{index}].role: must be 'user' or 'model'");
            }

            if (RequestJson.Property(content, "parts") is not { ValueKind: JsonValueKind.Array } parts || parts.GetArrayLength() == 0)
            {
                throw new InvalidRequestException($"* GenerateContentRequest.contents[{index}].parts: contents.parts must not be empty");
            }

            var text = RequestJson.JoinTexts(parts.EnumerateArray());
            lastToolResult = ToolResult(parts);
            promptTokens += 1 + ChatRequest.CountWords(text) + ChatRequest.CountWords(lastToolResult);
            if (lastRole == "user" && (lastToolResult is null || text.Length > 0))
            {
                lastUserMessage = text;
            }

            index++;
        }

        var tool = FirstFunction(root);
        return new ChatRequest(model, stream, IncludeUsage: true, maxTokens, lastUserMessage, promptTokens)
        {
            ToolCall = lastRole == "user" && lastToolResult is null && tool is { } offered ? SimulatedToolCall.For(offered.Name, offered.Schema) : null,
            ToolResult = lastRole == "user" ? lastToolResult : null,
        };
    }

    /// <summary>
    /// The text of the last <c>functionResponse</c> part: its response's <c>output</c>, <c>content</c> or <c>result</c>
    /// string, else the response as JSON; null when the content has none.
    /// </summary>
    private static string? ToolResult(JsonElement parts)
    {
        string? result = null;
        foreach (var part in parts.EnumerateArray())
        {
            if (RequestJson.Property(part, "functionResponse") is not { ValueKind: JsonValueKind.Object } functionResponse)
            {
                continue;
            }

            var response = RequestJson.Property(functionResponse, "response");
            result = RequestJson.String(response, "output") ?? RequestJson.String(response, "content") ?? RequestJson.String(response, "result")
                ?? (response.ValueKind == JsonValueKind.Undefined ? string.Empty : response.GetRawText());
        }

        return result;
    }

    /// <summary>The first function declaration, unless function calling is off (<c>mode: NONE</c>).</summary>
    private static (string Name, JsonElement Schema)? FirstFunction(JsonElement root)
    {
        var mode = RequestJson.String(RequestJson.Property(RequestJson.Property(root, "toolConfig"), "functionCallingConfig"), "mode");
        if (mode == "NONE" || RequestJson.Property(root, "tools") is not { ValueKind: JsonValueKind.Array } tools)
        {
            return null;
        }

        foreach (var tool in tools.EnumerateArray())
        {
            if (RequestJson.Property(tool, "functionDeclarations") is { ValueKind: JsonValueKind.Array } declarations && declarations.GetArrayLength() > 0)
            {
                var first = declarations[0];
                var schema = RequestJson.Property(first, "parameters");
                return RequestJson.String(first, "name") is { Length: > 0 } name
                    ? (name, schema.ValueKind == JsonValueKind.Object ? schema : RequestJson.Property(first, "parametersJsonSchema"))
                    : throw new InvalidRequestException("* GenerateContentRequest.tools[0].function_declarations[0].name: Name cannot be empty.");
            }
        }

        return null;
    }
}
