using System.Diagnostics.CodeAnalysis;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using ActorRelay.Core.Protocol;
using ActorRelay.Core.Translation;
using ActorRelay.Gateway.Routing;
using Microsoft.AspNetCore.WebUtilities;

namespace ActorRelay.Gateway.Relay;

/// <summary>The OpenAI endpoints relayed as they are, with the vendor's model, to OpenAI-compatible channels.</summary>
internal enum PassThroughOperation
{
    /// <summary><c>POST /v1/embeddings</c>: priced by input tokens.</summary>
    Embeddings,

    /// <summary><c>POST /v1/images/generations</c>: priced per image (and by tokens where the vendor reports them).</summary>
    ImageGeneration,

    /// <summary><c>POST /v1/audio/speech</c>: answers audio; priced by input characters (as "input tokens").</summary>
    Speech,

    /// <summary><c>POST /v1/audio/transcriptions</c> (multipart): priced per audio second (and by tokens where reported).</summary>
    Transcription,
}

/// <summary>
/// A validated call of a <see cref="PassThroughOperation"/>: the client's JSON (or multipart form) goes to the vendor with
/// only <c>model</c> replaced; the answer goes back untouched and its usage is read for the ledger.
/// </summary>
internal sealed class PassThroughRequest : RelayRequest
{
    private readonly PassThroughOperation _operation;
    private readonly JsonObject? _json;
    private readonly IReadOnlyList<FormPart> _form;
    private readonly string _text;
    private readonly long _count;

    private PassThroughRequest(PassThroughOperation operation, string model, long bodyBytes, JsonObject? json, IReadOnlyList<FormPart> form, string text, long count)
        : base(model, bodyBytes, ClientProtocol.ChatCompletions)
    {
        _operation = operation;
        _json = json;
        _form = form;
        _text = text;
        _count = count;
    }

    public override long PromptTokens => _operation switch
    {
        PassThroughOperation.Speech => _text.Length,
        PassThroughOperation.Transcription => 0,
        _ => TokenEstimator.Default.Count(_text),
    };

    public override int MaxOutput(int defaultMax) => 0;

    /// <summary>Images: the <c>n</c> asked for; audio: at most one second per 1,000 bytes of upload (speech at 8 kbit/s).</summary>
    public override TokenUsage MaxUsage(int maxOutput) => _operation switch
    {
        PassThroughOperation.ImageGeneration => new TokenUsage(BodyBytes, 0, 0, Estimated: true, Images: _count),
        PassThroughOperation.Transcription => new TokenUsage(0, 0, 0, Estimated: true, AudioSeconds: Math.Max(1, BodyBytes / 1000)),
        _ => new TokenUsage(BodyBytes, 0, 0, Estimated: true),
    };

    public override long EstimatePromptTokens(TokenEstimator tokenizer) =>
        _operation == PassThroughOperation.Speech ? _text.Length : tokenizer.Count(_text);

    public static string Path(PassThroughOperation operation) => operation switch
    {
        PassThroughOperation.Embeddings => "embeddings",
        PassThroughOperation.ImageGeneration => "images/generations",
        PassThroughOperation.Speech => "audio/speech",
        _ => "audio/transcriptions",
    };

    /// <summary>Parses and validates the client's body: the request, or what is wrong (<c>Error</c>) and with which field (<c>Param</c>).</summary>
    public static async ValueTask<(PassThroughRequest? Request, string? Error, string? Param)> ParseAsync(
        byte[] raw, string? contentType, PassThroughOperation operation, CancellationToken cancellationToken) =>
        operation == PassThroughOperation.Transcription
            ? await ParseFormAsync(raw, contentType, cancellationToken)
            : TryParseJson(raw, operation, out var request, out var error, out var param) ? (request, null, null) : (null, error, param);

    private static bool TryParseJson(
        byte[] raw, PassThroughOperation operation, [NotNullWhen(true)] out PassThroughRequest? request, [NotNullWhen(false)] out string? error, out string? param)
    {
        request = null;
        param = null;
        if (!TryParseObject(raw, out var body, out error))
        {
            return false;
        }

        if (Text(body["model"]) is not { Length: > 0 } model)
        {
            (error, param) = ("You must provide a model parameter.", "model");
            return false;
        }

        var (field, text) = operation switch
        {
            PassThroughOperation.Embeddings => ("input", InputText(body["input"])),
            PassThroughOperation.ImageGeneration => ("prompt", Text(body["prompt"])),
            _ => ("input", Text(body["input"])),
        };
        if (string.IsNullOrEmpty(text))
        {
            (error, param) = ($"'{field}' is required.", field);
            return false;
        }

        var count = body["n"] is JsonValue n && n.TryGetValue<long>(out var asked) ? asked : body["n"] is null ? 1 : 0;
        if (count < 1)
        {
            (error, param) = ("'n' must be a positive integer.", "n");
            return false;
        }

        request = new PassThroughRequest(operation, model, raw.Length, body, [], text, count);
        error = null;
        return true;
    }

    public override UpstreamCall ToUpstreamCall(IVendorProtocol protocol, string vendorModel)
    {
        if (protocol.Kind != VendorProtocolKind.OpenAI)
        {
            throw new TranslationException($"/v1/{Path(_operation)} is served only by OpenAI-compatible channels.");
        }

        if (_json is not null)
        {
            _json["model"] = vendorModel;
            return new UpstreamCall(Path(_operation), UpstreamCall.Json(ToBytes(_json)), []);
        }

        var form = new MultipartFormDataContent();
        foreach (var part in _form)
        {
            if (part.Name == "model")
            {
                form.Add(new StringContent(vendorModel), "model");
                continue;
            }

            var content = new ByteArrayContent(part.Data);
            if (part.ContentType is not null)
            {
                content.Headers.ContentType = MediaTypeHeaderValue.Parse(part.ContentType);
            }

            if (part.FileName is null)
            {
                form.Add(content, part.Name);
            }
            else
            {
                form.Add(content, part.Name, part.FileName);
            }
        }

        return new UpstreamCall(Path(_operation), form, []);
    }

    /// <summary>The answer goes back as it is; its usage (tokens, images, seconds) goes to the tally.</summary>
    public override (byte[] Body, string ContentType) Answer(byte[] vendorBody, string vendorContentType, IVendorProtocol protocol, ResolvedRoute route, CallTally tally)
    {
        tally.ReportedUsage = _operation == PassThroughOperation.Speech
            ? new TokenUsage(_text.Length, 0, 0, Estimated: false)
            : ReadUsage(vendorBody);
        return (vendorBody, vendorContentType);
    }

    /// <summary>
    /// OpenAI's usage of a JSON answer: <c>prompt_tokens</c> (embeddings) or <c>input_tokens</c> / <c>output_tokens</c> (images,
    /// transcriptions), <c>seconds</c> of a duration usage, and one image per <c>data</c> entry. Null when there is none.
    /// </summary>
    private TokenUsage? ReadUsage(byte[] body)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            return null;
        }

        using var parsed = document;
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var usage = root.TryGetProperty("usage", out var u) && u.ValueKind == JsonValueKind.Object ? u : default;
        var images = _operation == PassThroughOperation.ImageGeneration && root.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Array
            ? data.GetArrayLength()
            : 0;
        var seconds = usage.ValueKind == JsonValueKind.Object && usage.TryGetProperty("seconds", out var s) && s.TryGetDecimal(out var value) ? value : 0;
        if (usage.ValueKind != JsonValueKind.Object && images == 0)
        {
            return null;
        }

        var input = Long(usage, "prompt_tokens") + Long(usage, "input_tokens");
        return new TokenUsage(input, Long(usage, "output_tokens"), 0, Estimated: false, images, seconds);
    }

    private static string? InputText(JsonNode? input) => input switch
    {
        JsonArray items => string.Join('\n', items.Select(item => Text(item) ?? item?.ToJsonString())),
        _ => Text(input),
    };

    private static async ValueTask<(PassThroughRequest? Request, string? Error, string? Param)> ParseFormAsync(byte[] raw, string? contentType, CancellationToken cancellationToken)
    {
        if (contentType is null || !Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var mediaType)
            || Microsoft.Net.Http.Headers.HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value is not { Length: > 0 } boundary)
        {
            return (null, "The body must be multipart/form-data with a boundary.", null);
        }

        var parts = new List<FormPart>();
        var reader = new MultipartReader(boundary, new MemoryStream(raw));
        try
        {
            while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
            {
                if (section.GetContentDispositionHeader() is not { } disposition || disposition.Name.Value is not { } name)
                {
                    continue;
                }

                using var data = new MemoryStream();
                await section.Body.CopyToAsync(data, cancellationToken);
                var fileName = Microsoft.Net.Http.Headers.HeaderUtilities.RemoveQuotes(disposition.FileName).Value;
                parts.Add(new FormPart(Microsoft.Net.Http.Headers.HeaderUtilities.RemoveQuotes(name).Value!, string.IsNullOrEmpty(fileName) ? null : fileName, section.ContentType, data.ToArray()));
            }
        }
        catch (IOException exception)
        {
            return (null, $"The multipart body could not be read: {exception.Message}", null);
        }

        var model = parts.FirstOrDefault(part => part.Name == "model") is { FileName: null } modelPart ? System.Text.Encoding.UTF8.GetString(modelPart.Data) : null;
        if (string.IsNullOrWhiteSpace(model))
        {
            return (null, "You must provide a model parameter.", "model");
        }

        return parts.Any(part => part is { Name: "file", FileName: not null })
            ? (new PassThroughRequest(PassThroughOperation.Transcription, model, raw.Length, null, parts, string.Empty, 1), null, null)
            : (null, "'file' is required.", "file");
    }

    private static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static long Long(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.TryGetInt64(out var number) ? number : 0;

    private static byte[] ToBytes(JsonObject json)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            json.WriteTo(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    private sealed record FormPart(string Name, string? FileName, string? ContentType, byte[] Data);
}
