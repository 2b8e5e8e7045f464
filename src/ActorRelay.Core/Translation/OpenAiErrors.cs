using System.Text;
using System.Text.Json;

namespace ActorRelay.Core.Translation;

/// <summary>OpenAI's error envelope <c>{"error":{"message","type","param","code"}}</c> and the types ActorRelay names by status.</summary>
internal static class OpenAiErrors
{
    private const int MaxQuotedBodyBytes = 512;

    /// <summary>The OpenAI error type for an HTTP status (the names the gateway uses for its own errors).</summary>
    public static string TypeFor(int status) => status switch
    {
        401 => "authentication_error",
        403 => "permission_error",
        404 => "not_found_error",
        429 => "rate_limit_exceeded",
        >= 400 and < 500 => "invalid_request_error",
        _ => "server_error",
    };

    public static byte[] Envelope(string message, string type, string? code) =>
        TranslationJson.Write((message, type, code), static (writer, error) => Write(writer, error.message, error.type, error.code));

    public static void Write(Utf8JsonWriter writer, string message, string type, string? code)
    {
        writer.WriteStartObject();
        writer.WriteStartObject("error"u8);
        writer.WriteString("message"u8, message);
        writer.WriteString("type"u8, type);
        writer.WriteNull("param"u8);
        if (code is null)
        {
            writer.WriteNull("code"u8);
        }
        else
        {
            writer.WriteString("code"u8, code);
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>The envelope for a vendor error body nobody could read: the status and the body's beginning.</summary>
    public static byte[] Unreadable(int status, ReadOnlySpan<byte> body)
    {
        var quoted = body.Length > MaxQuotedBodyBytes ? body[..MaxQuotedBodyBytes] : body;
        var text = Encoding.UTF8.GetString(quoted).Trim();
        var message = text.Length == 0 ? $"The vendor answered HTTP {status}." : $"The vendor answered HTTP {status}: {text}";
        return Envelope(message, TypeFor(status), null);
    }
}
