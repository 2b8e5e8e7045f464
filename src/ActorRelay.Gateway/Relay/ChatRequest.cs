using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;
using ActorRelay.Core.Protocol;
using ActorRelay.Core.Translation;
using ActorRelay.Gateway.Routing;

namespace ActorRelay.Gateway.Relay;

/// <summary>
/// A validated OpenAI chat-completions request (a client's own, or translated from the client's protocol). Unknown fields
/// are kept and relayed untouched to OpenAI-compatible channels.
/// </summary>
internal sealed class ChatRequest : RelayRequest
{
    private const string OpenAiPath = "chat/completions";
    private readonly ChatBody _chat;
    private JsonObject? _document;
    private long? _promptTokens;

    private ChatRequest(ChatBody chat, JsonObject? document, long bodyBytes, ClientProtocol client)
        : base(chat.Model, bodyBytes, client)
    {
        _chat = chat;
        _document = document;
    }

    public override bool Stream => _chat.Stream;

    /// <summary>Whether the client itself asked for the final usage chunk (<c>stream_options.include_usage</c>).</summary>
    public bool ClientWantsUsage => _chat.ClientWantsUsage;

    /// <summary><c>max_completion_tokens</c>, else <c>max_tokens</c>, when the client set one.</summary>
    public int? MaxOutputTokens => _chat.MaxOutputTokens;

    public override long PromptTokens => _promptTokens ??= TokenEstimator.Default.CountPrompt(Document);

    /// <summary>
    /// The chat body as a document, for what needs one (counting the prompt, translating for another vendor protocol):
    /// a translated request's own, else parsed from the client's bytes the first time it is needed.
    /// </summary>
    private JsonObject Document => _document ??= JsonNode.Parse(_chat.Utf8)!.AsObject();

    public override int MaxOutput(int defaultMax) => MaxOutputTokens ?? defaultMax;

    public override TokenUsage MaxUsage(int maxOutput) => new(BodyBytes, maxOutput, 0, Estimated: true);

    public override long EstimatePromptTokens(TokenEstimator tokenizer) => tokenizer.CountPrompt(Document);

    /// <summary>
    /// The vendor call in <paramref name="protocol"/>. OpenAI-compatible channels get the client's body with the vendor's
    /// model (and for streams the usage chunk asked for: <see cref="ChatBody.ForVendor"/>); other protocols get a translated request.
    /// </summary>
    /// <exception cref="TranslationException">The vendor's protocol cannot express the request.</exception>
    public override UpstreamCall ToUpstreamCall(IVendorProtocol protocol, string vendorModel)
    {
        if (protocol.Kind == VendorProtocolKind.OpenAI)
        {
            return new UpstreamCall(OpenAiPath, _chat.ForVendor(vendorModel), []);
        }

        var call = protocol.BuildRequest(Document, vendorModel, Stream);
        return new UpstreamCall(call.RelativePath, UpstreamCall.Json(call.Body), call.Headers);
    }

    /// <summary>
    /// The vendor's answer translated to a chat completion (unless the vendor speaks OpenAI), its usage and text counted,
    /// then translated into the client's protocol (unless that is OpenAI's).
    /// </summary>
    public override (byte[] Body, string ContentType) Answer(byte[] vendorBody, string vendorContentType, IVendorProtocol protocol, ResolvedRoute route, CallTally tally)
    {
        var (body, contentType) = (vendorBody, vendorContentType);
        if (protocol.Kind != VendorProtocolKind.OpenAI)
        {
            (body, contentType) = (protocol.TranslateResponse(body, route.VendorModel), "application/json");
        }

        var facts = ChatCompletionInspector.Inspect(body);
        if (facts.Usage is null)
        {
            // No usage from the vendor: the answer's text is what its output is estimated from.
            facts = ChatCompletionInspector.Inspect(body, tally.DeliveredText);
        }

        tally.ReportedUsage = facts.Usage;
        tally.ContentBytes = facts.ContentBytes;
        return Client == ClientProtocol.ChatCompletions ? (body, contentType) : (Client.TranslateResponse(body, Model), "application/json");
    }

    /// <summary>
    /// Parses a body of <paramref name="client"/>'s protocol, translates it to a chat request and validates that; on failure
    /// <paramref name="error"/> says what is wrong and <paramref name="param"/> which field.
    /// </summary>
    public static bool TryParse(
        byte[] utf8, ClientProtocol client, [NotNullWhen(true)] out ChatRequest? request, [NotNullWhen(false)] out string? error, out string? param)
    {
        request = null;
        if (!client.TryToChat(utf8, out var chat, out var document, out error, out param)
            || !ChatBody.TryRead(chat, out var body, out error, out param))
        {
            return false;
        }

        request = new ChatRequest(body, document, utf8.Length, client);
        return true;
    }
}
