using System.Text.Json;
using ActorRelay.Core.Protocol;

namespace ActorRelay.Core.Translation;

/// <summary>
/// Usage in OpenAI's terms: <see cref="Prompt"/> includes <see cref="Cached"/>; <see cref="Completion"/> includes
/// <see cref="Reasoning"/> (thinking tokens are billed as output).
/// </summary>
internal readonly record struct UsageCounts(long Prompt, long Completion, long Cached, long Reasoning)
{
    public TokenUsage ToTokenUsage() => new(Prompt, Completion, Cached, Estimated: false);

    /// <summary>Writes <c>"usage": {...}</c> as OpenAI does, details included.</summary>
    public void WriteOpenAi(Utf8JsonWriter writer)
    {
        writer.WriteStartObject("usage"u8);
        writer.WriteNumber("prompt_tokens"u8, Prompt);
        writer.WriteNumber("completion_tokens"u8, Completion);
        writer.WriteNumber("total_tokens"u8, Prompt + Completion);
        writer.WriteStartObject("prompt_tokens_details"u8);
        writer.WriteNumber("cached_tokens"u8, Cached);
        writer.WriteEndObject();
        writer.WriteStartObject("completion_tokens_details"u8);
        writer.WriteNumber("reasoning_tokens"u8, Reasoning);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>Reads an OpenAI <c>usage</c> object.</summary>
    public static UsageCounts FromOpenAi(JsonElement usage) => new(
        TranslationJson.Long(usage, "prompt_tokens"),
        TranslationJson.Long(usage, "completion_tokens"),
        usage.TryGetProperty("prompt_tokens_details", out var prompt) ? TranslationJson.Long(prompt, "cached_tokens") : 0,
        usage.TryGetProperty("completion_tokens_details", out var completion) ? TranslationJson.Long(completion, "reasoning_tokens") : 0);
}
