using System.Text.Json;
using System.Text.Json.Nodes;

namespace ActorRelay.Core.Translation;

/// <summary>
/// Google Gemini (<c>models/{model}:generateContent</c> and <c>:streamGenerateContent?alt=sse</c> under a base URL such as
/// <c>https://generativelanguage.googleapis.com/v1beta/</c>). Request mapping: see <see cref="GeminiRequestBuilder"/>.
/// Answers: the first candidate's text parts (thought parts skipped) and function calls, which get the ids
/// <c>call_&lt;n&gt;</c> (n counts the calls of one answer from 0) unless Gemini sent its own.
/// </summary>
public sealed class GeminiProtocol(TimeProvider time) : IVendorProtocol
{
    public VendorProtocolKind Kind => VendorProtocolKind.Gemini;

    public VendorRequest BuildRequest(JsonObject openAiRequest, string vendorModel, bool stream)
    {
        ArgumentNullException.ThrowIfNull(openAiRequest);
        ArgumentException.ThrowIfNullOrEmpty(vendorModel);
        var model = vendorModel.StartsWith("models/", StringComparison.Ordinal) ? vendorModel["models/".Length..] : vendorModel;
        var path = stream ? $"models/{model}:streamGenerateContent?alt=sse" : $"models/{model}:generateContent";
        return new VendorRequest(path, TranslationJson.ToBytes(GeminiRequestBuilder.Build(openAiRequest)), []);
    }

    public byte[] TranslateResponse(ReadOnlySpan<byte> vendorBody, string model)
    {
        using var document = TranslationJson.TryParse(vendorBody);
        var root = document?.RootElement ?? default;
        if (root.ValueKind != JsonValueKind.Object || !(root.TryGetProperty("candidates", out _) || root.TryGetProperty("promptFeedback", out _)))
        {
            throw new TranslationException("The Gemini channel answered with a body that is not a GenerateContentResponse.");
        }

        var created = time.GetUtcNow().ToUnixTimeSeconds();
        return TranslationJson.Write((root, model, created), static (writer, state) =>
        {
            var (root, model, created) = state;
            var candidate = root.TryGetProperty("candidates", out var candidates) && candidates.ValueKind == JsonValueKind.Array && candidates.GetArrayLength() > 0
                ? candidates[0]
                : default;
            var parts = candidate.ValueKind == JsonValueKind.Object && candidate.TryGetProperty("content", out var content)
                && content.ValueKind == JsonValueKind.Object && content.TryGetProperty("parts", out var list) && list.ValueKind == JsonValueKind.Array
                ? list
                : default;
            writer.WriteStartObject();
            writer.WriteString("id"u8, TranslationJson.String(root, "responseId") ?? $"chatcmpl-{Guid.NewGuid():N}");
            writer.WriteString("object"u8, "chat.completion"u8);
            writer.WriteNumber("created"u8, created);
            writer.WriteString("model"u8, model);
            writer.WriteStartArray("choices"u8);
            writer.WriteStartObject();
            writer.WriteNumber("index"u8, 0);
            writer.WriteStartObject("message"u8);
            writer.WriteString("role"u8, "assistant"u8);
            WriteContent(writer, parts);
            writer.WriteNull("refusal"u8);
            var calls = WriteToolCalls(writer, parts);
            writer.WriteEndObject();
            writer.WriteNull("logprobs"u8);
            var blocked = candidate.ValueKind != JsonValueKind.Object && root.TryGetProperty("promptFeedback", out var feedback) && TranslationJson.String(feedback, "blockReason") is not null;
            writer.WriteString("finish_reason"u8, blocked ? "content_filter" : GeminiMapping.FinishReason(TranslationJson.String(candidate, "finishReason"), calls > 0));
            writer.WriteEndObject();
            writer.WriteEndArray();
            Usage(root.TryGetProperty("usageMetadata", out var usage) ? usage : default).WriteOpenAi(writer);
            writer.WriteEndObject();
        });
    }

    public IStreamTranslator CreateStreamTranslator(string model) => new GeminiStreamTranslator(model, time.GetUtcNow().ToUnixTimeSeconds());

    public byte[] TranslateError(int status, ReadOnlySpan<byte> vendorBody)
    {
        using var document = TranslationJson.TryParse(vendorBody);
        var root = document?.RootElement ?? default;
        if (root.ValueKind == JsonValueKind.Array && root.GetArrayLength() > 0)
        {
            root = root[0]; // the JSON-array form of streamGenerateContent without alt=sse
        }

        if (root.ValueKind == JsonValueKind.Object
            && root.TryGetProperty("error", out var error)
            && TranslationJson.String(error, "message") is { } message)
        {
            return OpenAiErrors.Envelope(message, OpenAiErrors.TypeFor(status), TranslationJson.String(error, "status"));
        }

        return OpenAiErrors.Unreadable(status, vendorBody);
    }

    internal static UsageCounts Usage(JsonElement usage) => GeminiMapping.Usage(
        TranslationJson.Long(usage, "promptTokenCount"),
        TranslationJson.Long(usage, "toolUsePromptTokenCount"),
        TranslationJson.Long(usage, "candidatesTokenCount"),
        TranslationJson.Long(usage, "thoughtsTokenCount"),
        TranslationJson.Long(usage, "cachedContentTokenCount"));

    private static void WriteContent(Utf8JsonWriter writer, JsonElement parts)
    {
        string? text = null;
        if (parts.ValueKind == JsonValueKind.Array)
        {
            foreach (var part in parts.EnumerateArray())
            {
                if (TranslationJson.String(part, "text") is { } partText && !(part.TryGetProperty("thought", out var thought) && thought.ValueKind == JsonValueKind.True))
                {
                    text = text is null ? partText : text + partText;
                }
            }
        }

        if (text is null)
        {
            writer.WriteNull("content"u8);
        }
        else
        {
            writer.WriteString("content"u8, text);
        }
    }

    private static int WriteToolCalls(Utf8JsonWriter writer, JsonElement parts)
    {
        var calls = 0;
        if (parts.ValueKind != JsonValueKind.Array)
        {
            return calls;
        }

        foreach (var part in parts.EnumerateArray())
        {
            if (!part.TryGetProperty("functionCall", out var call) || call.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            if (calls == 0)
            {
                writer.WriteStartArray("tool_calls"u8);
            }

            writer.WriteStartObject();
            writer.WriteString("id"u8, TranslationJson.String(call, "id") ?? $"call_{calls}");
            writer.WriteString("type"u8, "function"u8);
            writer.WriteStartObject("function"u8);
            writer.WriteString("name"u8, TranslationJson.String(call, "name"));
            writer.WriteString("arguments"u8, call.TryGetProperty("args", out var args) ? TranslationJson.CompactText(args) : "{}");
            writer.WriteEndObject();
            writer.WriteEndObject();
            calls++;
        }

        if (calls > 0)
        {
            writer.WriteEndArray();
        }

        return calls;
    }
}
