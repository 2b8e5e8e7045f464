using System.Text.Json.Nodes;

namespace ActorRelay.Core.Translation;

/// <summary>
/// Outbound translation: gateway (OpenAI chat-completions JSON) → vendor, and the vendor's answers back to OpenAI shape.
/// Implementations are stateless and thread-safe; per-stream state lives in <see cref="IStreamTranslator"/>.
/// </summary>
public interface IVendorProtocol
{
    VendorProtocolKind Kind { get; }

    /// <summary>
    /// The path (relative to the channel's base URL), body and protocol headers of the vendor call.
    /// <paramref name="openAiRequest"/> is a validated OpenAI chat request and is not modified; <paramref name="vendorModel"/>
    /// replaces its model. Credentials are not added here.
    /// </summary>
    /// <exception cref="TranslationException">The request uses something the vendor protocol cannot express (answer 400).</exception>
    VendorRequest BuildRequest(JsonObject openAiRequest, string vendorModel, bool stream);

    /// <summary>A non-stream vendor body → an OpenAI <c>chat.completion</c> body (UTF-8 JSON) reporting <paramref name="model"/>.</summary>
    /// <exception cref="TranslationException">The body is not a response of the vendor's protocol (answer 502).</exception>
    byte[] TranslateResponse(ReadOnlySpan<byte> vendorBody, string model);

    /// <summary>A fresh, stateful translator for one stream whose chunks report <paramref name="model"/>.</summary>
    IStreamTranslator CreateStreamTranslator(string model);

    /// <summary>A vendor error body → OpenAI error envelope bytes <c>{"error":{"message","type","param","code"}}</c>. Best effort; never throws.</summary>
    byte[] TranslateError(int status, ReadOnlySpan<byte> vendorBody);
}

/// <summary>One vendor call: <paramref name="RelativePath"/> is relative to the channel's base URL (which ends in a slash).</summary>
public sealed record VendorRequest(string RelativePath, byte[] Body, IReadOnlyList<KeyValuePair<string, string>> Headers);
