using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json.Nodes;

namespace ActorRelay.Core.Translation;

/// <summary>Reads the parts of an OpenAI chat request that every outbound adapter needs.</summary>
internal static class OpenAiRequestParts
{
    /// <summary>The output cap: <c>max_completion_tokens</c>, else the legacy <c>max_tokens</c>.</summary>
    public static long? MaxTokens(JsonObject request) =>
        TranslationJson.Long(request["max_completion_tokens"]) ?? TranslationJson.Long(request["max_tokens"]);

    /// <summary>A message's text: the string itself, or its text parts joined by newlines; other parts are ignored.</summary>
    public static string Text(JsonNode? content)
    {
        if (TranslationJson.String(content) is { } text)
        {
            return text;
        }

        if (content is not JsonArray parts)
        {
            return string.Empty;
        }

        var builder = new StringBuilder();
        foreach (var part in parts)
        {
            if (part is JsonObject { } obj && TranslationJson.String(obj["type"]) == "text" && TranslationJson.String(obj["text"]) is { } partText)
            {
                builder.Append(builder.Length == 0 ? string.Empty : "\n").Append(partText);
            }
        }

        return builder.ToString();
    }

    /// <summary>Rejects <c>n</c> above 1: the adapters return one choice.</summary>
    public static void RequireSingleChoice(JsonObject request, string vendor)
    {
        if (TranslationJson.Long(request["n"]) is > 1)
        {
            throw new TranslationException($"'n' greater than 1 is not supported by {vendor} channels.");
        }
    }

    /// <summary>The URL of an <c>image_url</c> part.</summary>
    public static string ImageUrl(JsonObject part) =>
        TranslationJson.String(part["image_url"], "url") ?? TranslationJson.String(part["image_url"])
        ?? throw new TranslationException("An 'image_url' content part needs an 'image_url.url'.");

    /// <summary>Splits a base64 data URL (<c>data:image/png;base64,AAAA</c>) into its media type and payload.</summary>
    public static bool TryParseDataUrl(string url, [NotNullWhen(true)] out string? mediaType, [NotNullWhen(true)] out string? base64)
    {
        mediaType = base64 = null;
        if (!url.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var comma = url.IndexOf(',', StringComparison.Ordinal);
        if (comma < 0)
        {
            throw new TranslationException("A data URL needs a ',' before its payload.");
        }

        var header = url.AsSpan(5, comma - 5);
        const string Base64Suffix = ";base64";
        if (!header.EndsWith(Base64Suffix, StringComparison.OrdinalIgnoreCase))
        {
            throw new TranslationException("Only base64 data URLs are supported.");
        }

        var type = header[..^Base64Suffix.Length];
        mediaType = type.IsEmpty ? "application/octet-stream" : type.ToString();
        base64 = url[(comma + 1)..];
        return true;
    }

    /// <summary>An http(s) URL, or a <see cref="TranslationException"/>.</summary>
    public static string RequireHttpUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
            ? url
            : throw new TranslationException("An image URL must be an http(s) URL or a base64 data URL.");

    /// <summary>The media type an image URL's extension implies, or null.</summary>
    public static string? ImageMediaTypeFromUrl(string url)
    {
        var path = Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.AbsolutePath : url;
        return Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".png" => "image/png",
            ".jpg" or ".jpeg" => "image/jpeg",
            ".gif" => "image/gif",
            ".webp" => "image/webp",
            ".heic" => "image/heic",
            ".heif" => "image/heif",
            ".pdf" => "application/pdf",
            _ => null,
        };
    }

    /// <summary>
    /// For vendors without a JSON mode of their own: the instruction that asks for JSON (<c>json_object</c>) or for JSON
    /// conforming to a schema (<c>json_schema</c>); null for <c>text</c> or no <c>response_format</c>.
    /// </summary>
    public static string? JsonInstruction(JsonObject request)
    {
        if (request["response_format"] is not JsonObject format)
        {
            return null;
        }

        switch (TranslationJson.String(format["type"]))
        {
            case "json_object":
                return "Respond only with a single valid JSON object, with no text before or after it.";
            case "json_schema":
                var schema = format["json_schema"] as JsonObject;
                var name = TranslationJson.String(schema, "name");
                var body = TranslationJson.Get(schema, "schema") is JsonNode node ? Encoding.UTF8.GetString(TranslationJson.ToBytes(node)) : "{}";
                return $"Respond only with a single valid JSON value that conforms to the JSON schema{(name is null ? string.Empty : $" \"{name}\"")} below, with no text before or after it.\n{body}";
            default:
                return null;
        }
    }
}
