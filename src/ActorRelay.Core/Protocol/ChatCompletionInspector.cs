using System.Buffers;
using System.Text.Json;

namespace ActorRelay.Core.Protocol;

/// <summary>What the gateway needs to know about one OpenAI chat-completion body or stream chunk.</summary>
public readonly record struct ChatCompletionFacts(TokenUsage? Usage, int Choices, long ContentBytes);

/// <summary>
/// Reads usage and content size from OpenAI chat-completion JSON (a whole response or one stream chunk)
/// with a forward-only <see cref="Utf8JsonReader"/>: no DOM, no reflection, no strings except what it skips.
/// </summary>
public static class ChatCompletionInspector
{
    /// <summary>
    /// Inspects <paramref name="json"/>; malformed or non-object JSON yields empty facts instead of throwing. When
    /// <paramref name="text"/> is given, the generated text (content and tool-call arguments, unescaped UTF-8) is appended to
    /// it, for a token estimate should the vendor report no usage.
    /// </summary>
    public static ChatCompletionFacts Inspect(ReadOnlySpan<byte> json, IBufferWriter<byte>? text = null)
    {
        try
        {
            return InspectObject(json, text);
        }
        catch (JsonException)
        {
            return default;
        }
    }

    /// <summary>True when <paramref name="json"/> is an object whose top level holds an <c>error</c> object (OpenAI's error envelope).</summary>
    public static bool IsErrorEnvelope(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isError = reader.ValueTextEquals("error"u8);
                reader.Read();
                if (isError)
                {
                    return reader.TokenType == JsonTokenType.StartObject;
                }

                reader.Skip();
            }

            return false;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static ChatCompletionFacts InspectObject(ReadOnlySpan<byte> json, IBufferWriter<byte>? text)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return default;
        }

        TokenUsage? usage = null;
        var choices = 0;
        long contentBytes = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("usage"u8))
            {
                reader.Read();
                usage = reader.TokenType == JsonTokenType.StartObject ? ReadUsage(ref reader) : null;
            }
            else if (reader.ValueTextEquals("choices"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartArray)
                {
                    ReadChoices(ref reader, ref choices, ref contentBytes, text);
                }
                else
                {
                    reader.Skip();
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return new ChatCompletionFacts(usage, choices, contentBytes);
    }

    private static TokenUsage ReadUsage(ref Utf8JsonReader reader)
    {
        long input = 0, output = 0, cached = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("prompt_tokens"u8))
            {
                input = ReadLong(ref reader);
            }
            else if (reader.ValueTextEquals("completion_tokens"u8))
            {
                output = ReadLong(ref reader);
            }
            else if (reader.ValueTextEquals("prompt_tokens_details"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        if (reader.ValueTextEquals("cached_tokens"u8))
                        {
                            cached = ReadLong(ref reader);
                        }
                        else
                        {
                            reader.Read();
                            reader.Skip();
                        }
                    }
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return new TokenUsage(input, output, cached, false);
    }

    private static void ReadChoices(ref Utf8JsonReader reader, ref int choices, ref long contentBytes, IBufferWriter<byte>? text)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            choices++;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("delta"u8) || reader.ValueTextEquals("message"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        reader.Skip();
                        continue;
                    }

                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        var isContent = reader.ValueTextEquals("content"u8);
                        var isToolCalls = text is not null && reader.ValueTextEquals("tool_calls"u8);
                        reader.Read();
                        if (isContent && reader.TokenType == JsonTokenType.String)
                        {
                            contentBytes += reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
                            AppendString(ref reader, text);
                        }
                        else if (isToolCalls && reader.TokenType == JsonTokenType.StartArray)
                        {
                            AppendArguments(ref reader, text);
                        }
                        else
                        {
                            reader.Skip();
                        }
                    }
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }
    }

    /// <summary>Appends every <c>arguments</c> string inside a <c>tool_calls</c> array, leaving the reader on its end.</summary>
    private static void AppendArguments(ref Utf8JsonReader reader, IBufferWriter<byte>? text)
    {
        var depth = reader.CurrentDepth;
        while (reader.Read() && !(reader.TokenType == JsonTokenType.EndArray && reader.CurrentDepth == depth))
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("arguments"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String)
                {
                    AppendString(ref reader, text);
                }
            }
        }
    }

    private static void AppendString(ref Utf8JsonReader reader, IBufferWriter<byte>? text)
    {
        if (text is null)
        {
            return;
        }

        var length = reader.HasValueSequence ? checked((int)reader.ValueSequence.Length) : reader.ValueSpan.Length;
        if (!reader.ValueIsEscaped && !reader.HasValueSequence)
        {
            text.Write(reader.ValueSpan);
            return;
        }

        var written = reader.CopyString(text.GetSpan(length));
        text.Advance(written);
    }

    private static long ReadLong(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value) ? value : 0;
    }
}
