using System.Buffers;
using System.Text;
using System.Text.Json.Nodes;

namespace ActorRelay.Core.Protocol;

/// <summary>
/// Counts tokens with a real BPE tokenizer (tiktoken's <c>o200k_base</c>, or <c>cl100k_base</c> for GPT-4 / GPT-3.5 era
/// models) for calls whose vendor reported no usage and for rate-limit admission. Other vendors' models (Claude, Gemini,
/// Llama) are counted with <c>o200k_base</c>: an estimate, and flagged as one. Thread-safe; the vocabularies load once.
/// </summary>
public sealed class TokenEstimator
{
    /// <summary>What OpenAI adds per chat message (role and separators) and to prime the reply.</summary>
    private const int PerMessageTokens = 3;

    /// <summary>An image content part, counted as OpenAI counts a low-detail image.</summary>
    private const int PerImageTokens = 85;

    private static readonly Lazy<TokenEstimator> O200k = new(() => new TokenEstimator(TiktokenEncoding.O200kBase()));
    private static readonly Lazy<TokenEstimator> Cl100k = new(() => new TokenEstimator(TiktokenEncoding.Cl100kBase()));

    private readonly TiktokenEncoding _encoding;

    private TokenEstimator(TiktokenEncoding encoding) => _encoding = encoding;

    /// <summary>The <c>o200k_base</c> estimator.</summary>
    public static TokenEstimator Default => O200k.Value;

    /// <summary>The estimator of <paramref name="model"/>'s encoding.</summary>
    public static TokenEstimator ForModel(string model) =>
        model.StartsWith("gpt-4", StringComparison.OrdinalIgnoreCase) && !model.StartsWith("gpt-4o", StringComparison.OrdinalIgnoreCase)
            && !model.StartsWith("gpt-4.", StringComparison.OrdinalIgnoreCase)
        || model.StartsWith("gpt-3.5", StringComparison.OrdinalIgnoreCase)
        || model.StartsWith("text-embedding-", StringComparison.OrdinalIgnoreCase)
            ? Cl100k.Value
            : O200k.Value;

    public int Count(string text) => _encoding.Count(text);

    /// <summary>Tokens of UTF-8 text.</summary>
    public int Count(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty)
        {
            return 0;
        }

        var chars = ArrayPool<char>.Shared.Rent(Encoding.UTF8.GetMaxCharCount(utf8.Length));
        try
        {
            var length = Encoding.UTF8.GetChars(utf8, chars);
            return _encoding.Count(chars.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    /// <summary>
    /// The prompt tokens of an OpenAI chat request: every message's text (string content, text parts, tool calls' names and
    /// arguments) plus <see cref="PerMessageTokens"/> each, images at <see cref="PerImageTokens"/>, and the tool definitions as JSON.
    /// </summary>
    public long CountPrompt(JsonObject chatRequest)
    {
        ArgumentNullException.ThrowIfNull(chatRequest);
        long tokens = PerMessageTokens;
        if (chatRequest["messages"] is JsonArray messages)
        {
            foreach (var message in messages)
            {
                tokens += PerMessageTokens + CountMessage(message as JsonObject);
            }
        }

        if (chatRequest["tools"] is JsonArray tools)
        {
            tokens += Count(tools.ToJsonString());
        }

        return tokens;
    }

    private long CountMessage(JsonObject? message)
    {
        if (message is null)
        {
            return 0;
        }

        long tokens = 0;
        switch (message["content"])
        {
            case JsonValue value:
                tokens += Count(Text(value));
                break;
            case JsonArray parts:
                foreach (var part in parts)
                {
                    tokens += part?["image_url"] is not null ? PerImageTokens : Count(Text(part?["text"]));
                }

                break;
        }

        if (message["tool_calls"] is JsonArray calls)
        {
            foreach (var call in calls)
            {
                tokens += Count(Text(call?["function"]?["name"])) + Count(Text(call?["function"]?["arguments"]));
            }
        }

        return tokens;
    }

    private static string Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : string.Empty;
}
