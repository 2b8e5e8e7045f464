using System.Text.Json;

namespace ActorRelay.Core.Translation;

/// <summary>
/// The OpenAI <c>chat.completion</c> body every vendor's non-stream answer is translated into: one assistant choice.
/// Each adapter writes, in order: <see cref="WriteStart"/>, <see cref="WriteText"/>, its tool calls with
/// <see cref="WriteToolCall"/> and <see cref="EndToolCalls"/>, then <see cref="WriteEnd"/>.
/// </summary>
internal static class OpenAiCompletionJson
{
    public static void WriteStart(Utf8JsonWriter writer, string id, string model, long created)
    {
        writer.WriteStartObject();
        writer.WriteString("id"u8, id);
        writer.WriteString("object"u8, "chat.completion"u8);
        writer.WriteNumber("created"u8, created);
        writer.WriteString("model"u8, model);
        writer.WriteStartArray("choices"u8);
        writer.WriteStartObject();
        writer.WriteNumber("index"u8, 0);
        writer.WriteStartObject("message"u8);
        writer.WriteString("role"u8, "assistant"u8);
    }

    /// <summary>The message text (the vendor's text parts joined; null for an answer that is only tool calls).</summary>
    public static void WriteText(Utf8JsonWriter writer, IEnumerable<string> parts)
    {
        string? text = null;
        foreach (var part in parts)
        {
            text = text is null ? part : text + part;
        }

        if (text is null)
        {
            writer.WriteNull("content"u8);
        }
        else
        {
            writer.WriteString("content"u8, text);
        }

        writer.WriteNull("refusal"u8);
    }

    /// <summary>Writes one tool call, opening the <c>tool_calls</c> array before the first; <paramref name="count"/> counts them.</summary>
    public static void WriteToolCall(Utf8JsonWriter writer, ref int count, string? id, string? name, string arguments)
    {
        if (count++ == 0)
        {
            writer.WriteStartArray("tool_calls"u8);
        }

        writer.WriteStartObject();
        writer.WriteString("id"u8, id);
        writer.WriteString("type"u8, "function"u8);
        writer.WriteStartObject("function"u8);
        writer.WriteString("name"u8, name);
        writer.WriteString("arguments"u8, arguments);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    public static void EndToolCalls(Utf8JsonWriter writer, int count)
    {
        if (count > 0)
        {
            writer.WriteEndArray();
        }
    }

    public static void WriteEnd(Utf8JsonWriter writer, string finishReason, UsageCounts usage)
    {
        writer.WriteEndObject();
        writer.WriteNull("logprobs"u8);
        writer.WriteString("finish_reason"u8, finishReason);
        writer.WriteEndObject();
        writer.WriteEndArray();
        usage.WriteOpenAi(writer);
        writer.WriteEndObject();
    }
}
