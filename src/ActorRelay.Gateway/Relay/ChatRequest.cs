using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Nodes;
using ActorRelay.Core.Protocol;
using System.Net.Http.Headers;
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
    private static readonly MediaTypeHeaderValue JsonContentType = new("application/json");
    private readonly JsonObject _body;
    private long? _promptTokens;

    private ChatRequest(JsonObject body, string model, bool stream, bool clientWantsUsage, int? maxOutputTokens, long bodyBytes, ClientProtocol client)
        : base(model, bodyBytes, client)
    {
        _body = body;
        Stream = stream;
        ClientWantsUsage = clientWantsUsage;
        MaxOutputTokens = maxOutputTokens;
    }

    public override bool Stream { get; }

    /// <summary>Whether the client itself asked for the final usage chunk (<c>stream_options.include_usage</c>).</summary>
    public bool ClientWantsUsage { get; }

    /// <summary><c>max_completion_tokens</c>, else <c>max_tokens</c>, when the client set one.</summary>
    public int? MaxOutputTokens { get; }

    public override long PromptTokens => _promptTokens ??= TokenEstimator.Default.CountPrompt(_body);

    public override int MaxOutput(int defaultMax) => MaxOutputTokens ?? defaultMax;

    public override TokenUsage MaxUsage(int maxOutput) => new(BodyBytes, maxOutput, 0, Estimated: true);

    public override long EstimatePromptTokens(TokenEstimator tokenizer) => tokenizer.CountPrompt(_body);

    public override UpstreamCall ToUpstreamCall(IVendorProtocol protocol, string vendorModel)
    {
        var call = ToVendorRequest(protocol, vendorModel);
        return new UpstreamCall(call.RelativePath, new ByteArrayContent(call.Body) { Headers = { ContentType = JsonContentType } }, call.Headers);
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

        var facts = ChatCompletionInspector.Inspect(body, tally.DeliveredText);
        tally.ReportedUsage = facts.Usage;
        tally.ContentBytes = facts.ContentBytes;
        return Client == ClientProtocol.ChatCompletions ? (body, contentType) : (Client.TranslateResponse(body, Model), "application/json");
    }

    /// <summary>
    /// Parses a body of <paramref name="client"/>'s protocol, translates it to a chat request and validates that; on failure
    /// <paramref name="error"/> says what is wrong and <paramref name="param"/> which field.
    /// </summary>
    public static bool TryParse(
        ReadOnlySpan<byte> utf8, ClientProtocol client, [NotNullWhen(true)] out ChatRequest? request, [NotNullWhen(false)] out string? error, out string? param)
    {
        request = null;
        param = null;
        if (!TryParseObject(utf8, out var clientBody, out error))
        {
            return false;
        }

        if (!client.TryToChat(clientBody, out var body, out error, out param))
        {
            return false;
        }

        if (body["model"] is not JsonValue modelValue || !modelValue.TryGetValue<string>(out var model) || string.IsNullOrWhiteSpace(model))
        {
            (error, param) = ("You must provide a model parameter.", "model");
            return false;
        }

        if (body["messages"] is not JsonArray { Count: > 0 } messages)
        {
            (error, param) = ("'messages' must be a non-empty array.", "messages");
            return false;
        }

        for (var i = 0; i < messages.Count; i++)
        {
            if (messages[i] is not JsonObject message || message["role"] is not JsonValue role || !role.TryGetValue<string>(out _))
            {
                (error, param) = ($"'messages[{i}]' must be an object with a string 'role'.", $"messages[{i}].role");
                return false;
            }
        }

        var stream = false;
        if (body["stream"] is { } streamNode && !(streamNode is JsonValue streamValue && streamValue.TryGetValue(out stream)))
        {
            (error, param) = ("'stream' must be a boolean.", "stream");
            return false;
        }

        var clientWantsUsage = body["stream_options"] is JsonObject options
            && options["include_usage"] is JsonValue includeUsage
            && includeUsage.TryGetValue<bool>(out var wants) && wants;

        int? maxOutputTokens = null;
        foreach (var name in (ReadOnlySpan<string>)["max_tokens", "max_completion_tokens"])
        {
            if (body[name] is null)
            {
                continue;
            }

            if (body[name] is not JsonValue limit || PositiveInt(limit) is not { } value)
            {
                (error, param) = ($"'{name}' must be a positive integer.", name);
                return false;
            }

            maxOutputTokens = value;
        }

        request = new ChatRequest(body, model, stream, clientWantsUsage, maxOutputTokens, utf8.Length, client);
        error = null;
        return true;
    }

    /// <summary>A positive integer that fits an int, whether the node holds an int, a long (translated requests) or JSON.</summary>
    private static int? PositiveInt(JsonValue value) =>
        value.TryGetValue<long>(out var number) && number is > 0 and <= int.MaxValue ? (int)number
        : value.TryGetValue<int>(out var small) && small > 0 ? small
        : null;

    /// <summary>
    /// The vendor call in <paramref name="protocol"/>. OpenAI-compatible channels get the client's body with the vendor's
    /// model (no copy, no translation); other protocols get a translated request.
    /// </summary>
    /// <exception cref="TranslationException">The vendor's protocol cannot express the request.</exception>
    private VendorRequest ToVendorRequest(IVendorProtocol protocol, string vendorModel) =>
        protocol.Kind == VendorProtocolKind.OpenAI
            ? new VendorRequest(OpenAiPath, ToUpstreamBody(vendorModel), [])
            : protocol.BuildRequest(_body, vendorModel, Stream);

    /// <summary>
    /// The body sent to an OpenAI-compatible vendor: the vendor's model name, and for streams <c>stream_options.include_usage</c>
    /// forced on so that the ledger always gets the vendor's own token counts.
    /// </summary>
    private byte[] ToUpstreamBody(string vendorModel)
    {
        _body["model"] = vendorModel;
        if (Stream)
        {
            if (_body["stream_options"] is not JsonObject options)
            {
                options = [];
                _body["stream_options"] = options;
            }

            options["include_usage"] = true;
        }

        var buffer = new ArrayBufferWriter<byte>((int)Math.Min(BodyBytes + 64, int.MaxValue));
        using (var writer = new Utf8JsonWriter(buffer))
        {
            _body.WriteTo(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }
}
