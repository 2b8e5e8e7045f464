using System.Text;
using System.Text.Json;

namespace ActorRelay.SimulatedVendor;

/// <summary>
/// A validated chat request of any protocol, reduced to what the simulation needs. <see cref="LastUserMessage"/> is the
/// text of the last user message (the monitor's marker); when the conversation ends with the user and offers tools,
/// <see cref="ToolCall"/> is the call to answer with; when it ends with a tool result, <see cref="ToolResult"/> is its text.
/// </summary>
internal sealed record ChatRequest(string Model, bool Stream, bool IncludeUsage, int? MaxTokens, string LastUserMessage, int PromptTokens)
{
    public SimulatedToolCall? ToolCall { get; init; }

    public string? ToolResult { get; init; }

    /// <summary>Reads and validates an OpenAI chat-completions request body.</summary>
    /// <exception cref="InvalidRequestException">The body is not valid JSON or not a valid chat-completions request.</exception>
    public static async Task<ChatRequest> ReadAsync(Stream body, CancellationToken cancellationToken)
    {
        ChatCompletionRequestDto? dto;
        try
        {
            dto = await JsonSerializer.DeserializeAsync(body, SimulatedVendorJsonContext.Default.ChatCompletionRequestDto, cancellationToken);
        }
        catch (JsonException exception)
        {
            throw new InvalidRequestException($"We could not parse the JSON body of your request: {exception.Message}");
        }

        return FromDto(dto ?? throw new InvalidRequestException("The request body must be a JSON object."));
    }

    private static ChatRequest FromDto(ChatCompletionRequestDto dto)
    {
        if (string.IsNullOrWhiteSpace(dto.Model))
        {
            throw new InvalidRequestException("you must provide a model parameter");
        }

        if (dto.Messages is not { Count: > 0 } messages)
        {
            throw new InvalidRequestException("Missing required parameter: 'messages'.");
        }

        var maxTokens = dto.MaxCompletionTokens ?? dto.MaxTokens;
        if (maxTokens < 1)
        {
            throw new InvalidRequestException("Invalid 'max_tokens': integer below minimum value. Expected a value >= 1.");
        }

        var lastUserMessage = string.Empty;
        var lastText = string.Empty;
        var promptTokens = messages.Count;
        for (var i = 0; i < messages.Count; i++)
        {
            if (messages[i] is not { Role: { Length: > 0 } role } message)
            {
                throw new InvalidRequestException($"Invalid 'messages[{i}]': a message must be an object with a 'role'.");
            }

            if (!TryGetText(message.Content, out lastText))
            {
                throw new InvalidRequestException($"Invalid 'messages[{i}].content': expected a string or an array of content parts.");
            }

            promptTokens += CountWords(lastText);
            if (role == "user")
            {
                lastUserMessage = lastText;
            }
        }

        var lastRole = messages[^1]!.Role;
        var tool = dto.ToolChoice.ValueKind == JsonValueKind.String && dto.ToolChoice.ValueEquals("none") ? null : dto.Tools?.FirstOrDefault()?.Function;
        return new ChatRequest(dto.Model, dto.Stream ?? false, dto.StreamOptions?.IncludeUsage ?? false, maxTokens, lastUserMessage, promptTokens)
        {
            ToolCall = lastRole == "user" && tool is { Name: { Length: > 0 } name } ? SimulatedToolCall.For(name, tool.Parameters) : null,
            ToolResult = lastRole == "tool" ? lastText : null,
        };
    }

    internal static int CountWords(ReadOnlySpan<char> text)
    {
        var words = 0;
        var inWord = false;
        foreach (var c in text)
        {
            var isWordChar = !char.IsWhiteSpace(c);
            if (isWordChar && !inWord)
            {
                words++;
            }

            inWord = isWordChar;
        }

        return words;
    }

    /// <summary>The text of a message content: the string itself, or its text parts joined by newlines (other parts are ignored).</summary>
    private static bool TryGetText(JsonElement content, out string text)
    {
        text = string.Empty;
        switch (content.ValueKind)
        {
            case JsonValueKind.Undefined or JsonValueKind.Null:
                return true;
            case JsonValueKind.String:
                text = content.GetString()!;
                return true;
            case JsonValueKind.Array:
                var builder = new StringBuilder();
                var textParts = 0;
                foreach (var part in content.EnumerateArray())
                {
                    if (part.ValueKind != JsonValueKind.Object)
                    {
                        return false;
                    }

                    if (!part.TryGetProperty("type", out var type) || !type.ValueEquals("text"))
                    {
                        continue;
                    }

                    if (!part.TryGetProperty("text", out var partText) || partText.ValueKind != JsonValueKind.String)
                    {
                        return false;
                    }

                    builder.Append(textParts++ == 0 ? string.Empty : "\n").Append(partText.GetString());
                }

                text = builder.ToString();
                return true;
            default:
                return false;
        }
    }
}
