using System.Text.Encodings.Web;
using System.Text.Json;

namespace ActorRelay.SimulatedVendor;

/// <summary>Writes the OpenAI wire shapes with <see cref="Utf8JsonWriter"/>, property order as OpenAI sends them.</summary>
internal static class OpenAiJson
{
    public const string SystemFingerprint = "fp_actorrelay_sim";

    /// <summary>The fixed creation time of every listed model (2025-01-01T00:00:00Z).</summary>
    public const long ModelsCreated = 1_735_689_600;

    /// <summary>Non-ASCII text is written as UTF-8, not escaped, as OpenAI does.</summary>
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void WriteError(Utf8JsonWriter writer, string message, string type, string? code)
    {
        writer.WriteStartObject();
        writer.WriteStartObject("error");
        writer.WriteString("message", message);
        writer.WriteString("type", type);
        writer.WriteNull("param");
        WriteStringOrNull(writer, "code", code);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    public static void WriteModels(Utf8JsonWriter writer, IEnumerable<string> models)
    {
        writer.WriteStartObject();
        writer.WriteString("object", "list");
        writer.WriteStartArray("data");
        foreach (var model in models)
        {
            writer.WriteStartObject();
            writer.WriteString("id", model);
            writer.WriteString("object", "model");
            writer.WriteNumber("created", ModelsCreated);
            writer.WriteString("owned_by", "actorrelay-sim");
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    public static void WriteCompletion(Utf8JsonWriter writer, CompletionIdentity identity, SimulatedReply reply)
    {
        writer.WriteStartObject();
        writer.WriteString("id", identity.Id);
        writer.WriteString("object", "chat.completion");
        writer.WriteNumber("created", identity.Created);
        writer.WriteString("model", identity.Model);
        writer.WriteStartArray("choices");
        writer.WriteStartObject();
        writer.WriteNumber("index", 0);
        writer.WriteStartObject("message");
        writer.WriteString("role", "assistant");
        if (reply.ToolCall is { } call)
        {
            writer.WriteNull("content");
            writer.WriteStartArray("tool_calls");
            writer.WriteStartObject();
            writer.WriteString("id", identity.ToolCallId);
            writer.WriteString("type", "function");
            writer.WriteStartObject("function");
            writer.WriteString("name", call.Name);
            writer.WriteString("arguments", call.Arguments);
            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteEndArray();
        }
        else
        {
            writer.WriteString("content", reply.Content());
        }

        writer.WriteNull("refusal");
        writer.WriteEndObject();
        writer.WriteNull("logprobs");
        writer.WriteString("finish_reason", reply.FinishReason);
        writer.WriteEndObject();
        writer.WriteEndArray();
        WriteUsage(writer, reply);
        writer.WriteString("system_fingerprint", SystemFingerprint);
        writer.WriteEndObject();
    }

    /// <summary>
    /// A chunk with one choice: <paramref name="role"/> and <paramref name="content"/> go into the delta when not null.
    /// With <paramref name="includeUsage"/>, the chunk carries <c>"usage":null</c> as OpenAI's do.
    /// </summary>
    public static void WriteChunk(Utf8JsonWriter writer, CompletionIdentity identity, bool includeUsage, string? role, string? content, string? finishReason)
    {
        WriteChunkStart(writer, identity);
        writer.WriteStartObject();
        writer.WriteNumber("index", 0);
        writer.WriteStartObject("delta");
        if (role is not null)
        {
            writer.WriteString("role", role);
        }

        if (content is not null)
        {
            writer.WriteString("content", content);
        }

        writer.WriteEndObject();
        writer.WriteNull("logprobs");
        WriteStringOrNull(writer, "finish_reason", finishReason);
        writer.WriteEndObject();
        writer.WriteEndArray();
        if (includeUsage)
        {
            writer.WriteNull("usage");
        }

        writer.WriteEndObject();
    }

    /// <summary>
    /// The first delta of a tool call, as OpenAI streams it: role, null content and the call's index, id, type, name and
    /// empty arguments (<paramref name="name"/> set), or a further fragment of its arguments (<paramref name="name"/> null).
    /// </summary>
    public static void WriteToolCallChunk(Utf8JsonWriter writer, CompletionIdentity identity, bool includeUsage, string? name, string arguments)
    {
        WriteChunkStart(writer, identity);
        writer.WriteStartObject();
        writer.WriteNumber("index", 0);
        writer.WriteStartObject("delta");
        if (name is not null)
        {
            writer.WriteString("role", "assistant");
            writer.WriteNull("content");
        }

        writer.WriteStartArray("tool_calls");
        writer.WriteStartObject();
        writer.WriteNumber("index", 0);
        if (name is not null)
        {
            writer.WriteString("id", identity.ToolCallId);
            writer.WriteString("type", "function");
        }

        writer.WriteStartObject("function");
        if (name is not null)
        {
            writer.WriteString("name", name);
        }

        writer.WriteString("arguments", arguments);
        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.WriteNull("logprobs");
        writer.WriteNull("finish_reason");
        writer.WriteEndObject();
        writer.WriteEndArray();
        if (includeUsage)
        {
            writer.WriteNull("usage");
        }

        writer.WriteEndObject();
    }

    /// <summary>The last chunk of a stream with <c>stream_options.include_usage</c>: no choices, the usage.</summary>
    public static void WriteUsageChunk(Utf8JsonWriter writer, CompletionIdentity identity, SimulatedReply reply)
    {
        WriteChunkStart(writer, identity);
        writer.WriteEndArray();
        WriteUsage(writer, reply);
        writer.WriteEndObject();
    }

    private static void WriteChunkStart(Utf8JsonWriter writer, CompletionIdentity identity)
    {
        writer.WriteStartObject();
        writer.WriteString("id", identity.Id);
        writer.WriteString("object", "chat.completion.chunk");
        writer.WriteNumber("created", identity.Created);
        writer.WriteString("model", identity.Model);
        writer.WriteString("system_fingerprint", SystemFingerprint);
        writer.WriteStartArray("choices");
    }

    private static void WriteUsage(Utf8JsonWriter writer, SimulatedReply reply)
    {
        writer.WriteStartObject("usage");
        writer.WriteNumber("prompt_tokens", reply.PromptTokens);
        writer.WriteNumber("completion_tokens", reply.CompletionTokens);
        writer.WriteNumber("total_tokens", reply.TotalTokens);
        writer.WriteEndObject();
    }

    private static void WriteStringOrNull(Utf8JsonWriter writer, string propertyName, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(propertyName);
        }
        else
        {
            writer.WriteString(propertyName, value);
        }
    }
}
