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
            OpenAiCompletionJson.WriteStart(writer, TranslationJson.String(root, "responseId") ?? $"chatcmpl-{Guid.NewGuid():N}", model, created);
            var partList = parts.ValueKind == JsonValueKind.Array ? parts.EnumerateArray().ToList() : [];
            OpenAiCompletionJson.WriteText(writer, partList
                .Where(part => !(part.TryGetProperty("thought", out var thought) && thought.ValueKind == JsonValueKind.True))
                .Select(part => TranslationJson.String(part, "text"))
                .OfType<string>());
            var calls = 0;
            foreach (var part in partList)
            {
                if (part.TryGetProperty("functionCall", out var call) && call.ValueKind == JsonValueKind.Object)
                {
                    OpenAiCompletionJson.WriteToolCall(writer, ref calls, TranslationJson.String(call, "id") ?? $"call_{calls}", TranslationJson.String(call, "name"),
                        call.TryGetProperty("args", out var args) ? TranslationJson.CompactText(args) : "{}");
                }
            }

            OpenAiCompletionJson.EndToolCalls(writer, calls);
            var blocked = candidate.ValueKind != JsonValueKind.Object && root.TryGetProperty("promptFeedback", out var feedback) && TranslationJson.String(feedback, "blockReason") is not null;
            OpenAiCompletionJson.WriteEnd(writer, blocked ? "content_filter" : GeminiMapping.FinishReason(TranslationJson.String(candidate, "finishReason"), calls > 0),
                Usage(root.TryGetProperty("usageMetadata", out var usage) ? usage : default));
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
}
