using System.Diagnostics.CodeAnalysis;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using ActorRelay.Core.Protocol;
using ActorRelay.Core.Translation;
using ActorRelay.Gateway.Routing;

namespace ActorRelay.Gateway.Relay;

/// <summary>
/// A validated call of any endpoint, as the shared relay needs it: the model alias, the client's protocol, what to reserve
/// and admit, how to build the vendor call for a channel, and how to read the vendor's answer (usage, the client's bytes).
/// </summary>
internal abstract class RelayRequest(string model, long bodyBytes, ClientProtocol client)
{
    public string Model { get; } = model;

    /// <summary>The size of the client's body, every byte an input token at most (the budget reservation's bound).</summary>
    public long BodyBytes { get; } = bodyBytes;

    /// <summary>The protocol the client speaks: errors come in its format.</summary>
    public ClientProtocol Client { get; } = client;

    public virtual bool Stream => false;

    /// <summary>The input tokens by the default tokenizer, counted once, for rate-limit admission.</summary>
    public abstract long PromptTokens { get; }

    /// <summary>Output tokens to admit and reserve: the request's own limit, else <paramref name="defaultMax"/>; 0 where nothing is generated as text.</summary>
    public abstract int MaxOutput(int defaultMax);

    /// <summary>The most this call can use, for the budget reservation.</summary>
    public abstract TokenUsage MaxUsage(int maxOutput);

    /// <summary>The input tokens by <paramref name="tokenizer"/>, when the vendor reported no usage.</summary>
    public abstract long EstimatePromptTokens(TokenEstimator tokenizer);

    /// <summary>The vendor call for a channel speaking <paramref name="protocol"/>; a fresh body for every attempt.</summary>
    /// <exception cref="TranslationException">The channel's protocol cannot express the call (answer 400).</exception>
    public abstract UpstreamCall ToUpstreamCall(IVendorProtocol protocol, string vendorModel);

    /// <summary>Reads a non-stream vendor answer into <paramref name="tally"/> and returns the client's body and content type.</summary>
    /// <exception cref="TranslationException">The body is not what the vendor's protocol promises (answer 502).</exception>
    public abstract (byte[] Body, string ContentType) Answer(byte[] vendorBody, string vendorContentType, IVendorProtocol protocol, ResolvedRoute route, CallTally tally);

    /// <summary>The client's body as a JSON object, or the message of a 400 saying why it is not one.</summary>
    public static bool TryParseObject(ReadOnlySpan<byte> utf8, [NotNullWhen(true)] out JsonObject? body, [NotNullWhen(false)] out string? error)
    {
        body = null;
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(utf8, documentOptions: new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException exception)
        {
            error = $"We could not parse the JSON body of your request: {exception.Message}";
            return false;
        }

        if (root is not JsonObject parsed)
        {
            error = "The request body must be a JSON object.";
            return false;
        }

        (body, error) = (parsed, null);
        return true;
    }
}

/// <summary>One vendor call: the path relative to the channel's base URL, the body and the protocol's headers.</summary>
internal sealed record UpstreamCall(string RelativePath, HttpContent Content, IReadOnlyList<KeyValuePair<string, string>> Headers)
{
    /// <summary>The content type of every JSON body sent to a vendor.</summary>
    public static readonly MediaTypeHeaderValue JsonContentType = new("application/json");

    /// <summary>A JSON body of these UTF-8 bytes.</summary>
    public static HttpContent Json(byte[] utf8) => new ByteArrayContent(utf8) { Headers = { ContentType = JsonContentType } };
}
