using System.Text.Json;
using System.Text.Json.Nodes;

namespace ActorRelay.Core.Translation;

/// <summary>
/// The Anthropic Messages API (<c>POST messages</c> under a base URL such as <c>https://api.anthropic.com/v1/</c>).
/// Request mapping: see <see cref="AnthropicRequestBuilder"/>. Usage: <c>prompt_tokens</c> = input + cache reads + cache
/// writes (OpenAI counts every prompt token), <c>cached_tokens</c> = cache reads. Thinking blocks are not relayed.
/// </summary>
public sealed class AnthropicProtocol(TimeProvider time) : IVendorProtocol
{
    private static readonly KeyValuePair<string, string>[] Headers = [new("anthropic-version", AnthropicMapping.Version)];

    public VendorProtocolKind Kind => VendorProtocolKind.Anthropic;

    public VendorRequest BuildRequest(JsonObject openAiRequest, string vendorModel, bool stream)
    {
        ArgumentNullException.ThrowIfNull(openAiRequest);
        ArgumentException.ThrowIfNullOrEmpty(vendorModel);
        return new VendorRequest("messages", TranslationJson.ToBytes(AnthropicRequestBuilder.Build(openAiRequest, vendorModel, stream)), Headers);
    }

    public byte[] TranslateResponse(ReadOnlySpan<byte> vendorBody, string model)
    {
        using var document = TranslationJson.TryParse(vendorBody);
        var root = document?.RootElement ?? default;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.Array)
        {
            throw new TranslationException("The Anthropic channel answered with a body that is not a message.");
        }

        var created = time.GetUtcNow().ToUnixTimeSeconds();
        return TranslationJson.Write((root, content, model, created), static (writer, state) =>
        {
            var (root, content, model, created) = state;
            OpenAiCompletionJson.WriteStart(writer, TranslationJson.String(root, "id") ?? $"chatcmpl-{Guid.NewGuid():N}", model, created);
            OpenAiCompletionJson.WriteText(writer, content.EnumerateArray()
                .Where(block => TranslationJson.String(block, "type") == "text")
                .Select(block => TranslationJson.String(block, "text"))
                .OfType<string>());
            var calls = 0;
            foreach (var block in content.EnumerateArray().Where(block => TranslationJson.String(block, "type") == "tool_use"))
            {
                OpenAiCompletionJson.WriteToolCall(writer, ref calls, TranslationJson.String(block, "id"), TranslationJson.String(block, "name"),
                    block.TryGetProperty("input", out var input) ? TranslationJson.CompactText(input) : "{}");
            }

            OpenAiCompletionJson.EndToolCalls(writer, calls);
            OpenAiCompletionJson.WriteEnd(writer, AnthropicMapping.FinishReason(TranslationJson.String(root, "stop_reason")),
                Usage(root.TryGetProperty("usage", out var usage) ? usage : default));
        });
    }

    public IStreamTranslator CreateStreamTranslator(string model) => new AnthropicStreamTranslator(model, time.GetUtcNow().ToUnixTimeSeconds());

    public byte[] TranslateError(int status, ReadOnlySpan<byte> vendorBody)
    {
        using var document = TranslationJson.TryParse(vendorBody);
        if (document?.RootElement is { ValueKind: JsonValueKind.Object } root
            && root.TryGetProperty("error", out var error)
            && TranslationJson.String(error, "message") is { } message)
        {
            return OpenAiErrors.Envelope(message, OpenAiErrors.TypeFor(status), TranslationJson.String(error, "type"));
        }

        return OpenAiErrors.Unreadable(status, vendorBody);
    }

    /// <summary>Anthropic usage (message or stream event) in OpenAI's terms.</summary>
    internal static UsageCounts Usage(JsonElement usage)
    {
        var cacheRead = TranslationJson.Long(usage, "cache_read_input_tokens");
        var prompt = TranslationJson.Long(usage, "input_tokens") + cacheRead + TranslationJson.Long(usage, "cache_creation_input_tokens");
        return new UsageCounts(prompt, TranslationJson.Long(usage, "output_tokens"), cacheRead, 0);
    }
}
