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
            writer.WriteStartObject();
            writer.WriteString("id"u8, TranslationJson.String(root, "id") ?? $"chatcmpl-{Guid.NewGuid():N}");
            writer.WriteString("object"u8, "chat.completion"u8);
            writer.WriteNumber("created"u8, created);
            writer.WriteString("model"u8, model);
            writer.WriteStartArray("choices"u8);
            writer.WriteStartObject();
            writer.WriteNumber("index"u8, 0);
            writer.WriteStartObject("message"u8);
            writer.WriteString("role"u8, "assistant"u8);
            WriteContent(writer, content);
            writer.WriteNull("refusal"u8);
            WriteToolCalls(writer, content);
            writer.WriteEndObject();
            writer.WriteNull("logprobs"u8);
            writer.WriteString("finish_reason"u8, AnthropicMapping.FinishReason(TranslationJson.String(root, "stop_reason")));
            writer.WriteEndObject();
            writer.WriteEndArray();
            Usage(root.TryGetProperty("usage", out var usage) ? usage : default).WriteOpenAi(writer);
            writer.WriteEndObject();
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

    private static void WriteContent(Utf8JsonWriter writer, JsonElement content)
    {
        string? text = null;
        foreach (var block in content.EnumerateArray())
        {
            if (TranslationJson.String(block, "type") == "text" && TranslationJson.String(block, "text") is { } blockText)
            {
                text = text is null ? blockText : text + blockText;
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

    private static void WriteToolCalls(Utf8JsonWriter writer, JsonElement content)
    {
        var started = false;
        foreach (var block in content.EnumerateArray())
        {
            if (TranslationJson.String(block, "type") != "tool_use")
            {
                continue;
            }

            if (!started)
            {
                writer.WriteStartArray("tool_calls"u8);
                started = true;
            }

            writer.WriteStartObject();
            writer.WriteString("id"u8, TranslationJson.String(block, "id"));
            writer.WriteString("type"u8, "function"u8);
            writer.WriteStartObject("function"u8);
            writer.WriteString("name"u8, TranslationJson.String(block, "name"));
            writer.WriteString("arguments"u8, block.TryGetProperty("input", out var input) ? TranslationJson.CompactText(input) : "{}");
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        if (started)
        {
            writer.WriteEndArray();
        }
    }
}
