using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;
using ActorRelay.Core.Translation;
using ActorRelay.Gateway.Errors;

namespace ActorRelay.Gateway.Relay;

/// <summary>
/// The protocol a client speaks on one endpoint. The relay works in OpenAI chat completions; a client protocol turns
/// the client's request into one and the relay's answer, stream events and errors back into its own.
/// </summary>
internal abstract class ClientProtocol
{
    /// <summary><c>POST /v1/chat/completions</c>: the canonical protocol, nothing to translate.</summary>
    public static readonly ClientProtocol ChatCompletions = new OpenAiChat();

    /// <summary><c>POST /v1/messages</c>: Anthropic Messages.</summary>
    public static readonly ClientProtocol AnthropicMessages = new Anthropic();

    /// <summary><c>POST /v1/responses</c>: the OpenAI Responses API.</summary>
    public static readonly ClientProtocol Responses = new OpenAiResponses();

    public abstract ErrorFormat Errors { get; }

    /// <summary>The client's request as an OpenAI chat request, or why it cannot be one (answer 400).</summary>
    public abstract bool TryToChat(JsonObject clientRequest, [NotNullWhen(true)] out JsonObject? chat, [NotNullWhen(false)] out string? error, out string? param);

    /// <summary>A chat completion → the client's answer reporting <paramref name="model"/>.</summary>
    /// <exception cref="TranslationException">The body is not a chat completion.</exception>
    public abstract byte[] TranslateResponse(byte[] chatCompletion, string model);

    /// <summary>A translator of OpenAI chunks into the client's events, or null when the client takes OpenAI chunks as they are.</summary>
    public abstract IStreamTranslator? CreateStreamTranslator(string model);

    private sealed class OpenAiChat : ClientProtocol
    {
        public override ErrorFormat Errors => ErrorFormat.OpenAI;

        public override bool TryToChat(JsonObject clientRequest, [NotNullWhen(true)] out JsonObject? chat, [NotNullWhen(false)] out string? error, out string? param)
        {
            (chat, error, param) = (clientRequest, null, null);
            return true;
        }

        public override byte[] TranslateResponse(byte[] chatCompletion, string model) => chatCompletion;

        public override IStreamTranslator? CreateStreamTranslator(string model) => null;
    }

    private sealed class Anthropic : ClientProtocol
    {
        public override ErrorFormat Errors => ErrorFormat.Anthropic;

        public override bool TryToChat(JsonObject clientRequest, [NotNullWhen(true)] out JsonObject? chat, [NotNullWhen(false)] out string? error, out string? param)
        {
            param = null;
            return AnthropicInbound.TryToOpenAi(clientRequest, out chat, out error);
        }

        public override byte[] TranslateResponse(byte[] chatCompletion, string model) => AnthropicInbound.FromOpenAiResponse(chatCompletion, model);

        public override IStreamTranslator CreateStreamTranslator(string model) => AnthropicInbound.CreateStreamTranslator(model);
    }

    private sealed class OpenAiResponses : ClientProtocol
    {
        public override ErrorFormat Errors => ErrorFormat.OpenAI;

        public override bool TryToChat(JsonObject clientRequest, [NotNullWhen(true)] out JsonObject? chat, [NotNullWhen(false)] out string? error, out string? param) =>
            ResponsesInbound.TryToOpenAi(clientRequest, out chat, out error, out param);

        public override byte[] TranslateResponse(byte[] chatCompletion, string model) => ResponsesInbound.FromOpenAiResponse(chatCompletion, model);

        public override IStreamTranslator CreateStreamTranslator(string model) => ResponsesInbound.CreateStreamTranslator(model);
    }
}
