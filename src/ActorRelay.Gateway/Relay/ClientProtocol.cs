using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
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

    /// <summary>
    /// The client's body as an OpenAI chat body, or why it cannot be one (answer 400). A translated body comes with the
    /// document it was written from (<paramref name="document"/>); an OpenAI client's own bytes are the chat body as they are.
    /// </summary>
    public abstract bool TryToChat(
        byte[] clientBody, [NotNullWhen(true)] out byte[]? chat, out JsonObject? document, [NotNullWhen(false)] out string? error, out string? param);

    /// <summary>A chat completion → the client's answer reporting <paramref name="model"/>.</summary>
    /// <exception cref="TranslationException">The body is not a chat completion.</exception>
    public abstract byte[] TranslateResponse(byte[] chatCompletion, string model);

    /// <summary>A translator of OpenAI chunks into the client's events, or null when the client takes OpenAI chunks as they are.</summary>
    public abstract IStreamTranslator? CreateStreamTranslator(string model);

    private sealed class OpenAiChat : ClientProtocol
    {
        public override ErrorFormat Errors => ErrorFormat.OpenAI;

        public override bool TryToChat(
            byte[] clientBody, [NotNullWhen(true)] out byte[]? chat, out JsonObject? document, [NotNullWhen(false)] out string? error, out string? param)
        {
            (chat, document, error, param) = (clientBody, null, null, null);
            return true;
        }

        public override byte[] TranslateResponse(byte[] chatCompletion, string model) => chatCompletion;

        public override IStreamTranslator? CreateStreamTranslator(string model) => null;
    }

    /// <summary>A protocol whose requests are translated: parsed, turned into a chat document, and written out.</summary>
    private abstract class Translated : ClientProtocol
    {
        public sealed override bool TryToChat(
            byte[] clientBody, [NotNullWhen(true)] out byte[]? chat, out JsonObject? document, [NotNullWhen(false)] out string? error, out string? param)
        {
            (chat, document, param) = (null, null, null);
            if (!RelayRequest.TryParseObject(clientBody, out var request, out error) || !TryTranslate(request, out document, out error, out param))
            {
                return false;
            }

            var buffer = new ArrayBufferWriter<byte>(clientBody.Length + 256);
            using (var writer = new Utf8JsonWriter(buffer))
            {
                document.WriteTo(writer);
            }

            chat = buffer.WrittenSpan.ToArray();
            return true;
        }

        protected abstract bool TryTranslate(
            JsonObject request, [NotNullWhen(true)] out JsonObject? chat, [NotNullWhen(false)] out string? error, out string? param);
    }

    private sealed class Anthropic : Translated
    {
        public override ErrorFormat Errors => ErrorFormat.Anthropic;

        protected override bool TryTranslate(JsonObject request, [NotNullWhen(true)] out JsonObject? chat, [NotNullWhen(false)] out string? error, out string? param)
        {
            param = null;
            return AnthropicInbound.TryToOpenAi(request, out chat, out error);
        }

        public override byte[] TranslateResponse(byte[] chatCompletion, string model) => AnthropicInbound.FromOpenAiResponse(chatCompletion, model);

        public override IStreamTranslator CreateStreamTranslator(string model) => AnthropicInbound.CreateStreamTranslator(model);
    }

    private sealed class OpenAiResponses : Translated
    {
        public override ErrorFormat Errors => ErrorFormat.OpenAI;

        protected override bool TryTranslate(JsonObject request, [NotNullWhen(true)] out JsonObject? chat, [NotNullWhen(false)] out string? error, out string? param) =>
            ResponsesInbound.TryToOpenAi(request, out chat, out error, out param);

        public override byte[] TranslateResponse(byte[] chatCompletion, string model) => ResponsesInbound.FromOpenAiResponse(chatCompletion, model);

        public override IStreamTranslator CreateStreamTranslator(string model) => ResponsesInbound.CreateStreamTranslator(model);
    }
}
