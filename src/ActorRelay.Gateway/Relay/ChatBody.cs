using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Text.Json;

namespace ActorRelay.Gateway.Relay;

/// <summary>
/// An OpenAI chat-completions body read in one forward pass, without building a document: the fields the gateway
/// validates and uses, and where the two fields it rewrites for an OpenAI-compatible vendor sit. The vendor body is
/// then the client's own bytes with the vendor's model spliced in (and, for a stream, <c>stream_options.include_usage</c>
/// set), so that nothing else is parsed into nodes or serialized again, and unknown fields travel byte for byte.
/// </summary>
internal sealed class ChatBody
{
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 64 };
    private static readonly byte[] True = "true"u8.ToArray();
    private static readonly byte[] UsageOptions = """{"include_usage":true}"""u8.ToArray();
    private static readonly byte[] UsageOptionsProperty = ""","stream_options":{"include_usage":true}"""u8.ToArray();
    private static readonly byte[] UsageProperty = "\"include_usage\":true"u8.ToArray();
    private static readonly byte[] UsagePropertyThenMore = "\"include_usage\":true,"u8.ToArray();

    private readonly (int Start, int End) _model;
    private readonly Splice? _usage;

    private ChatBody(byte[] utf8, Facts facts)
    {
        Utf8 = utf8;
        Model = facts.Model!;
        Stream = facts.Stream;
        ClientWantsUsage = facts.WantsUsage;
        MaxOutputTokens = facts.MaxCompletionTokens ?? facts.MaxTokens;
        _model = facts.ModelValue;
        _usage = facts.Stream && !facts.WantsUsage ? facts.UsageEdit() : null;
    }

    /// <summary>The body as read.</summary>
    public byte[] Utf8 { get; }

    public string Model { get; }

    public bool Stream { get; }

    /// <summary>Whether the client itself asked for the final usage chunk (<c>stream_options.include_usage</c>).</summary>
    public bool ClientWantsUsage { get; }

    /// <summary><c>max_completion_tokens</c>, else <c>max_tokens</c>, when the body sets one.</summary>
    public int? MaxOutputTokens { get; }

    /// <summary>
    /// Reads and validates <paramref name="utf8"/>; on failure <paramref name="error"/> says what is wrong and
    /// <paramref name="param"/> which field. The checks and their order are those of OpenAI's own 400s: the JSON, the
    /// model, the messages, then the stream and token-limit fields.
    /// </summary>
    public static bool TryRead(byte[] utf8, [NotNullWhen(true)] out ChatBody? body, [NotNullWhen(false)] out string? error, out string? param)
    {
        body = null;
        param = null;
        Facts facts;
        try
        {
            if (!TryScan(utf8, out facts, out error, out param))
            {
                return false;
            }
        }
        catch (JsonException exception)
        {
            error = $"We could not parse the JSON body of your request: {exception.Message}";
            return false;
        }

        if (string.IsNullOrWhiteSpace(facts.Model))
        {
            (error, param) = ("You must provide a model parameter.", "model");
            return false;
        }

        if (facts.Messages <= 0)
        {
            (error, param) = ("'messages' must be a non-empty array.", "messages");
            return false;
        }

        if (facts.FirstBadMessage is { } bad)
        {
            (error, param) = ($"'messages[{bad}]' must be an object with a string 'role'.", $"messages[{bad}].role");
            return false;
        }

        if (facts.StreamInvalid)
        {
            (error, param) = ("'stream' must be a boolean.", "stream");
            return false;
        }

        if (facts.InvalidLimit is { } limit)
        {
            (error, param) = ($"'{limit}' must be a positive integer.", limit);
            return false;
        }

        body = new ChatBody(utf8, facts);
        return true;
    }

    /// <summary>
    /// The body for an OpenAI-compatible vendor: the client's bytes with <paramref name="vendorModel"/> as the model and,
    /// for a stream, the final usage chunk asked for, so that the ledger always gets the vendor's own token counts. The
    /// content writes the client's bytes around those few changed ones as it is sent, without a copy of the body.
    /// </summary>
    public HttpContent ForVendor(string vendorModel)
    {
        var model = new Splice(_model.Start, _model.End, Quoted(vendorModel));
        Splice[] splices = _usage is not { } usage ? [model] : usage.Start < model.Start ? [usage, model] : [model, usage];
        return new SplicedContent(Utf8, splices);
    }

    private static byte[] Quoted(string value)
    {
        var encoded = JsonEncodedText.Encode(value).EncodedUtf8Bytes;
        var quoted = new byte[encoded.Length + 2];
        quoted[0] = quoted[^1] = (byte)'"';
        encoded.CopyTo(quoted.AsSpan(1));
        return quoted;
    }

    /// <summary>A body with <paramref name="splices"/> (in the order of their positions) applied, written as it is sent.</summary>
    private sealed class SplicedContent : HttpContent
    {
        private readonly byte[] _body;
        private readonly Splice[] _splices;

        public SplicedContent(byte[] body, Splice[] splices)
        {
            _body = body;
            _splices = splices;
            Headers.ContentType = UpstreamCall.JsonContentType;
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            var from = 0;
            foreach (var splice in _splices)
            {
                await stream.WriteAsync(_body.AsMemory(from, splice.Start - from), cancellationToken).ConfigureAwait(false);
                await stream.WriteAsync(splice.Text, cancellationToken).ConfigureAwait(false);
                from = splice.End;
            }

            await stream.WriteAsync(_body.AsMemory(from), cancellationToken).ConfigureAwait(false);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = _body.Length;
            foreach (var splice in _splices)
            {
                length += splice.Text.Length - (splice.End - splice.Start);
            }

            return true;
        }
    }

    private static bool TryScan(byte[] utf8, out Facts facts, [NotNullWhen(false)] out string? error, out string? param)
    {
        facts = new Facts();
        (error, param) = (null, null);
        var reader = new Utf8JsonReader(utf8, ReaderOptions);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            // A reader that read nothing, or the start of another value: finish it for the parser's own message on bad JSON.
            reader.Skip();
            while (reader.Read())
            {
            }

            error = "The request body must be a JSON object.";
            return false;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var field = Field(ref reader);
            if (field != Fields.None)
            {
                if ((facts.Seen & field) != 0)
                {
                    param = reader.GetString();
                    error = $"The request body has more than one '{param}' field.";
                    return false;
                }

                facts.Seen |= field;
            }

            reader.Read();
            switch (field)
            {
                case Fields.Model:
                    if (reader.TokenType == JsonTokenType.String)
                    {
                        facts.Model = reader.GetString();
                        facts.ModelValue = ((int)reader.TokenStartIndex, (int)reader.BytesConsumed);
                    }

                    break;
                case Fields.Messages:
                    ReadMessages(ref reader, ref facts);
                    break;
                case Fields.Stream:
                    facts.Stream = reader.TokenType == JsonTokenType.True;
                    facts.StreamInvalid = reader.TokenType is not (JsonTokenType.True or JsonTokenType.False or JsonTokenType.Null);
                    break;
                case Fields.StreamOptions:
                    if (!ReadStreamOptions(ref reader, ref facts, out error, out param))
                    {
                        return false;
                    }

                    break;
                case Fields.MaxTokens:
                    facts.MaxTokens = Limit(ref reader, "max_tokens", ref facts);
                    break;
                case Fields.MaxCompletionTokens:
                    facts.MaxCompletionTokens = Limit(ref reader, "max_completion_tokens", ref facts);
                    break;
            }

            reader.Skip();
        }

        facts.RootEnd = (int)reader.TokenStartIndex;
        // Anything after the object (but whitespace) is malformed JSON: the reader throws on it.
        reader.Read();
        return true;
    }

    private static Fields Field(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("model"u8) ? Fields.Model
        : reader.ValueTextEquals("messages"u8) ? Fields.Messages
        : reader.ValueTextEquals("stream"u8) ? Fields.Stream
        : reader.ValueTextEquals("stream_options"u8) ? Fields.StreamOptions
        : reader.ValueTextEquals("max_tokens"u8) ? Fields.MaxTokens
        : reader.ValueTextEquals("max_completion_tokens"u8) ? Fields.MaxCompletionTokens
        : Fields.None;

    /// <summary>Counts the messages (−1 when not an array) and notes the first that is not an object with a string role.</summary>
    private static void ReadMessages(ref Utf8JsonReader reader, ref Facts facts)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            facts.Messages = -1;
            return;
        }

        var index = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var valid = false;
            if (reader.TokenType == JsonTokenType.StartObject)
            {
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var role = reader.ValueTextEquals("role"u8);
                    reader.Read();
                    valid |= role && reader.TokenType == JsonTokenType.String;
                    reader.Skip();
                }
            }
            else
            {
                reader.Skip();
            }

            if (!valid && facts.FirstBadMessage is null)
            {
                facts.FirstBadMessage = index;
            }

            index++;
        }

        facts.Messages = index;
    }

    /// <summary>Notes <c>include_usage</c> and where to set it: the value, the object's start, or the whole field.</summary>
    private static bool ReadStreamOptions(ref Utf8JsonReader reader, ref Facts facts, [NotNullWhen(false)] out string? error, out string? param)
    {
        (error, param) = (null, null);
        var valueStart = (int)reader.TokenStartIndex;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            facts.OptionsValue = (valueStart, (int)reader.BytesConsumed);
            return true;
        }

        facts.OptionsInside = (int)reader.BytesConsumed;
        facts.OptionsEmpty = true;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            facts.OptionsEmpty = false;
            var usage = reader.ValueTextEquals("include_usage"u8);
            reader.Read();
            if (usage)
            {
                if (facts.UsageValue is not null)
                {
                    (error, param) = ("The request body has more than one 'stream_options.include_usage' field.", "stream_options.include_usage");
                    return false;
                }

                facts.WantsUsage = reader.TokenType == JsonTokenType.True;
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                facts.UsageValue = (start, (int)reader.BytesConsumed);
                continue;
            }

            reader.Skip();
        }

        // The reader now stands on the object's end, which the caller's Skip leaves where it is.
        return true;
    }

    /// <summary>A token limit: null when absent or null; noted as invalid unless a positive integer that fits an int.</summary>
    private static int? Limit(ref Utf8JsonReader reader, string name, ref Facts facts)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value) && value is > 0 and <= int.MaxValue)
        {
            return (int)value;
        }

        // max_tokens is checked before max_completion_tokens, whatever their order in the body.
        if (facts.InvalidLimit is null || name == "max_tokens")
        {
            facts.InvalidLimit = name;
        }

        return null;
    }

    [Flags]
    private enum Fields
    {
        None = 0,
        Model = 1,
        Messages = 2,
        Stream = 4,
        StreamOptions = 8,
        MaxTokens = 16,
        MaxCompletionTokens = 32,
    }

    /// <summary>Bytes <see cref="Start"/>..<see cref="End"/> of the body replaced by <see cref="Text"/> (an insertion when empty).</summary>
    private readonly record struct Splice(int Start, int End, byte[] Text);

    /// <summary>What the scan found.</summary>
    private struct Facts
    {
        public Fields Seen;
        public string? Model;
        public (int Start, int End) ModelValue;
        public int Messages;
        public int? FirstBadMessage;
        public bool Stream;
        public bool StreamInvalid;
        public bool WantsUsage;
        public int? MaxTokens;
        public int? MaxCompletionTokens;
        public string? InvalidLimit;
        public int RootEnd;
        public (int Start, int End)? OptionsValue;
        public int? OptionsInside;
        public bool OptionsEmpty;
        public (int Start, int End)? UsageValue;

        /// <summary>The one edit that turns <c>include_usage</c> on, wherever the body stands on it.</summary>
        public readonly Splice UsageEdit() =>
            UsageValue is { } usage ? new Splice(usage.Start, usage.End, True)
            : OptionsInside is { } inside ? new Splice(inside, inside, OptionsEmpty ? UsageProperty : UsagePropertyThenMore)
            : OptionsValue is { } options ? new Splice(options.Start, options.End, UsageOptions)
            : new Splice(RootEnd, RootEnd, UsageOptionsProperty);
    }
}
