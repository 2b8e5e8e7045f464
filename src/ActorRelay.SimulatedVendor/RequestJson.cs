using System.Text;
using System.Text.Json;

namespace ActorRelay.SimulatedVendor;

/// <summary>Reading helpers for the request bodies the simulator parses as a document (Anthropic and Gemini).</summary>
internal static class RequestJson
{
    /// <exception cref="InvalidRequestException">The body is not a JSON object.</exception>
    public static async Task<JsonDocument> ParseObjectAsync(Stream body, CancellationToken cancellationToken)
    {
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(body, default, cancellationToken);
        }
        catch (JsonException exception)
        {
            throw new InvalidRequestException($"The request body is not valid JSON: {exception.Message}");
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            throw new InvalidRequestException("The request body must be a JSON object.");
        }

        return document;
    }

    public static JsonElement Property(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) ? value : default;

    public static string? String(JsonElement element, string name) =>
        Property(element, name) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;

    /// <summary>An optional positive integer; absent gives null, anything else than an integer of at least 1 is invalid.</summary>
    public static int? PositiveInt(JsonElement element, string name, string error)
    {
        var value = Property(element, name);
        if (value.ValueKind == JsonValueKind.Undefined)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) && number >= 1 ? number : throw new InvalidRequestException(error);
    }

    /// <summary>An optional boolean, false when absent.</summary>
    public static bool Flag(JsonElement element, string name, string error) => Property(element, name).ValueKind switch
    {
        JsonValueKind.Undefined => false,
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw new InvalidRequestException(error),
    };

    /// <summary>The <c>text</c> of the given items (content blocks or parts) joined by newlines.</summary>
    public static string JoinTexts(IEnumerable<JsonElement> items)
    {
        var text = new StringBuilder();
        foreach (var item in items)
        {
            if (String(item, "text") is { } part)
            {
                text.Append(text.Length == 0 ? string.Empty : "\n").Append(part);
            }
        }

        return text.ToString();
    }
}
