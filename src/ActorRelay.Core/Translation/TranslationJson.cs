using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ActorRelay.Core.Translation;

/// <summary>JSON plumbing shared by the translators: writer options, DOM-to-bytes, lenient DOM accessors.</summary>
internal static class TranslationJson
{
    /// <summary>Non-ASCII text stays UTF-8 (as the vendors send it) instead of being \u-escaped.</summary>
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static byte[] Write<TState>(TState state, Action<Utf8JsonWriter, TState> write)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            write(writer, state);
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static byte[] ToBytes(JsonNode node) => Write(node, static (writer, value) => value.WriteTo(writer));

    /// <summary>Parses a whole body; a body that is not JSON yields null.</summary>
    public static JsonDocument? TryParse(ReadOnlySpan<byte> utf8)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
            return JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>A property of <paramref name="node"/> when it is an object; null for anything else (never throws).</summary>
    public static JsonNode? Get(JsonNode? node, string name) => node is JsonObject obj ? obj[name] : null;

    /// <summary>A string property of <paramref name="node"/>, or null.</summary>
    public static string? String(JsonNode? node, string name) => String(Get(node, name));

    public static string? String(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    public static long? Long(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<long>(out var number) ? number : null;

    public static double? Double(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<double>(out var number) ? number : null;

    public static bool? Bool(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<bool>(out var flag) ? flag : null;

    public static string? String(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    public static long Long(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number)
            ? number
            : 0;

    /// <summary>A string argument list (<c>"stop": "x"</c> or <c>["x","y"]</c>) as an array, or null when absent or empty.</summary>
    public static JsonArray? StringList(JsonNode? node)
    {
        switch (node)
        {
            case JsonValue when String(node) is { } single:
                return [single];
            case JsonArray { Count: > 0 } list:
                var copy = new JsonArray();
                foreach (var item in list)
                {
                    if (String(item) is { } text)
                    {
                        copy.Add(text);
                    }
                }

                return copy.Count > 0 ? copy : null;
            default:
                return null;
        }
    }

    /// <summary>Parses a JSON text that should hold an object (tool-call arguments); anything else yields an empty object.</summary>
    public static JsonObject ParseObject(string? json) => TryParseObject(json) ?? [];

    /// <summary>The object a JSON text holds, or null when it is not a JSON object.</summary>
    public static JsonObject? TryParseObject(string? json)
    {
        if (string.IsNullOrWhiteSpace(json) || !json.AsSpan().TrimStart().StartsWith("{", StringComparison.Ordinal))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(json) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>A JSON value as compact text (tool-call arguments in OpenAI's shape).</summary>
    public static string CompactText(JsonElement element)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            element.WriteTo(writer);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>A chat completion's root, first choice and its message (default elements when absent).</summary>
    /// <exception cref="TranslationException">The document is not a chat completion.</exception>
    public static (JsonElement Root, JsonElement Choice, JsonElement Message) FirstChoice(JsonDocument? document)
    {
        var root = document?.RootElement ?? default;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("choices", out var choices) || choices.ValueKind != JsonValueKind.Array)
        {
            throw new TranslationException("The channel answered with a body that is not a chat completion.");
        }

        var choice = choices.GetArrayLength() > 0 ? choices[0] : default;
        var message = choice.ValueKind == JsonValueKind.Object && choice.TryGetProperty("message", out var m) ? m : default;
        return (root, choice, message);
    }
}
