using System.Text.Json.Nodes;
using ActorRelay.Core.Protocol;

namespace ActorRelay.Core.Translation;

/// <summary>
/// OpenAI chat completions (and every OpenAI-compatible server): the identity translation. The request keeps every
/// field but gets the vendor's model, the stream flag and, for streams, <c>stream_options.include_usage</c> forced on;
/// answers, streams and errors pass through unchanged (the vendor's model name included).
/// </summary>
public sealed class OpenAiProtocol : IVendorProtocol
{
    public VendorProtocolKind Kind => VendorProtocolKind.OpenAI;

    public VendorRequest BuildRequest(JsonObject openAiRequest, string vendorModel, bool stream)
    {
        ArgumentNullException.ThrowIfNull(openAiRequest);
        ArgumentException.ThrowIfNullOrEmpty(vendorModel);
        var body = (JsonObject)openAiRequest.DeepClone();
        body["model"] = vendorModel;
        body["stream"] = stream;
        if (stream)
        {
            if (body["stream_options"] is not JsonObject options)
            {
                options = [];
                body["stream_options"] = options;
            }

            options["include_usage"] = true;
        }
        else
        {
            body.Remove("stream_options"); // OpenAI rejects stream_options without stream
        }

        return new VendorRequest("chat/completions", TranslationJson.ToBytes(body), []);
    }

    public byte[] TranslateResponse(ReadOnlySpan<byte> vendorBody, string model) => vendorBody.ToArray();

    public IStreamTranslator CreateStreamTranslator(string model) => new PassThrough();

    public byte[] TranslateError(int status, ReadOnlySpan<byte> vendorBody) =>
        ChatCompletionInspector.IsErrorEnvelope(vendorBody) ? vendorBody.ToArray() : OpenAiErrors.Unreadable(status, vendorBody);

    /// <summary>Relays every event as is, reading usage on the way; <see cref="Complete"/> adds a missing <c>[DONE]</c>.</summary>
    private sealed class PassThrough : IStreamTranslator
    {
        private bool _failed;

        public TokenUsage? Usage { get; private set; }

        public bool InputCompleted { get; private set; }

        public void Translate(Sse.SseEvent input, List<Sse.SseEvent> output)
        {
            if (InputCompleted || _failed)
            {
                return;
            }

            output.Add(input);
            if (input.IsDone)
            {
                InputCompleted = true;
                return;
            }

            var data = input.Data.Span;
            if (ChatCompletionInspector.IsErrorEnvelope(data))
            {
                _failed = true;
            }
            else if (ChatCompletionInspector.Inspect(data).Usage is { } usage)
            {
                Usage = usage;
            }
        }

        public void Complete(List<Sse.SseEvent> output)
        {
            if (!InputCompleted && !_failed)
            {
                output.Add(Sse.SseEvent.Done);
            }
        }
    }
}
