using System.Text.Json;

namespace ActorRelay.SimulatedVendor;

/// <summary>
/// Anthropic Messages: <c>POST /v1/messages</c>, <c>x-api-key</c>, <c>{"type":"error","error":{...}}</c> bodies and the
/// named event sequence <c>message_start</c>, <c>content_block_start</c>, <c>ping</c>, <c>content_block_delta</c>...,
/// <c>content_block_stop</c>, <c>message_delta</c> (stop reason, output tokens), <c>message_stop</c>.
/// </summary>
internal sealed class AnthropicDialect : IVendorDialect
{
    public async Task<bool> AuthorizeAsync(HttpContext context, SimulatedVendorOptions options)
    {
        if (string.IsNullOrEmpty(options.ApiKey))
        {
            return true;
        }

        string? key = context.Request.Headers["x-api-key"];
        if (key is not null && key.AsSpan().SequenceEqual(options.ApiKey))
        {
            return true;
        }

        await WriteErrorAsync(context, StatusCodes.Status401Unauthorized, "authentication_error", key is null ? "x-api-key header is required" : "invalid x-api-key");
        return false;
    }

    public Task<ChatRequest> ReadRequestAsync(HttpContext context, CancellationToken cancellationToken) =>
        AnthropicRequestReader.ReadAsync(context.Request.Body, cancellationToken);

    public Task WriteInvalidRequestAsync(HttpContext context, string message) =>
        WriteErrorAsync(context, StatusCodes.Status400BadRequest, "invalid_request_error", message);

    public Task WriteInjectedFailureAsync(HttpContext context, int status)
    {
        switch (status)
        {
            case StatusCodes.Status429TooManyRequests:
                context.Response.Headers.RetryAfter = "1";
                return WriteErrorAsync(context, status, "rate_limit_error", "Number of requests has exceeded your rate limit (simulated).");
            case StatusCodes.Status500InternalServerError:
                return WriteErrorAsync(context, status, "api_error", "Internal server error (simulated).");
            default:
                return WriteErrorAsync(context, status, "overloaded_error", "Overloaded (simulated).");
        }
    }

    public void WriteAnswer(Utf8JsonWriter writer, ChatRequest request, SimulatedReply reply)
    {
        writer.WriteStartObject();
        WriteMessageHead(writer, NewMessageId(), request.Model);
        writer.WriteStartArray("content");
        if (reply.ToolCall is { } call)
        {
            writer.WriteStartObject();
            writer.WriteString("type", "tool_use");
            writer.WriteString("id", NewToolUseId());
            writer.WriteString("name", call.Name);
            writer.WritePropertyName("input");
            writer.WriteRawValue(call.Arguments, skipInputValidation: true);
            writer.WriteEndObject();
        }
        else
        {
            writer.WriteStartObject();
            writer.WriteString("type", "text");
            writer.WriteString("text", reply.Content());
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteString("stop_reason", StopReason(reply));
        writer.WriteNull("stop_sequence");
        writer.WriteStartObject("usage");
        writer.WriteNumber("input_tokens", reply.PromptTokens);
        writer.WriteNumber("output_tokens", reply.CompletionTokens);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    public ISimulatedStream CreateStream(ServerSentEventWriter events, ChatRequest request, SimulatedReply reply) =>
        new AnthropicStream(events, request.Model, reply);

    private static Task WriteErrorAsync(HttpContext context, int status, string type, string message) =>
        VendorResponses.WriteJsonAsync(context, status, (type, message), static (writer, error) =>
        {
            writer.WriteStartObject();
            writer.WriteString("type", "error");
            writer.WriteStartObject("error");
            writer.WriteString("type", error.type);
            writer.WriteString("message", error.message);
            writer.WriteEndObject();
            writer.WriteEndObject();
        });

    private static string StopReason(SimulatedReply reply) => reply.FinishReason switch
    {
        "tool_calls" => "tool_use",
        "length" => "max_tokens",
        _ => "end_turn",
    };

    private static string NewMessageId() => $"msg_sim_{Guid.NewGuid():N}";

    private static string NewToolUseId() => $"toolu_sim_{Guid.NewGuid():N}";

    /// <summary>The fields a message starts with, in Anthropic's order.</summary>
    private static void WriteMessageHead(Utf8JsonWriter writer, string id, string model)
    {
        writer.WriteString("id", id);
        writer.WriteString("type", "message");
        writer.WriteString("role", "assistant");
        writer.WriteString("model", model);
    }

    private sealed class AnthropicStream(ServerSentEventWriter events, string model, SimulatedReply reply) : ISimulatedStream
    {
        public async ValueTask WriteStartAsync()
        {
            var writer = events.BeginEvent("message_start"u8);
            writer.WriteStartObject();
            writer.WriteString("type", "message_start");
            writer.WriteStartObject("message");
            WriteMessageHead(writer, NewMessageId(), model);
            writer.WriteStartArray("content");
            writer.WriteEndArray();
            writer.WriteNull("stop_reason");
            writer.WriteNull("stop_sequence");
            writer.WriteStartObject("usage");
            writer.WriteNumber("input_tokens", reply.PromptTokens);
            writer.WriteNumber("output_tokens", 1);
            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteEndObject();
            await events.EndEventAsync();

            writer = events.BeginEvent("content_block_start"u8);
            writer.WriteStartObject();
            writer.WriteString("type", "content_block_start");
            writer.WriteNumber("index", 0);
            writer.WriteStartObject("content_block");
            if (reply.ToolCall is { } call)
            {
                writer.WriteString("type", "tool_use");
                writer.WriteString("id", NewToolUseId());
                writer.WriteString("name", call.Name);
                writer.WriteStartObject("input");
                writer.WriteEndObject();
            }
            else
            {
                writer.WriteString("type", "text");
                writer.WriteString("text", string.Empty);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
            await events.EndEventAsync();

            writer = events.BeginEvent("ping"u8);
            writer.WriteStartObject();
            writer.WriteString("type", "ping");
            writer.WriteEndObject();
            await events.EndEventAsync();
        }

        public ValueTask WriteTokenAsync(int index)
        {
            var writer = events.BeginEvent("content_block_delta"u8);
            writer.WriteStartObject();
            writer.WriteString("type", "content_block_delta");
            writer.WriteNumber("index", 0);
            writer.WriteStartObject("delta");
            if (reply.ToolCall is null)
            {
                writer.WriteString("type", "text_delta");
                writer.WriteString("text", reply.Token(index));
            }
            else
            {
                writer.WriteString("type", "input_json_delta");
                writer.WriteString("partial_json", reply.Token(index));
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
            return events.EndEventAsync();
        }

        public async ValueTask WriteEndAsync()
        {
            var writer = events.BeginEvent("content_block_stop"u8);
            writer.WriteStartObject();
            writer.WriteString("type", "content_block_stop");
            writer.WriteNumber("index", 0);
            writer.WriteEndObject();
            await events.EndEventAsync();

            writer = events.BeginEvent("message_delta"u8);
            writer.WriteStartObject();
            writer.WriteString("type", "message_delta");
            writer.WriteStartObject("delta");
            writer.WriteString("stop_reason", StopReason(reply));
            writer.WriteNull("stop_sequence");
            writer.WriteEndObject();
            writer.WriteStartObject("usage");
            writer.WriteNumber("output_tokens", reply.CompletionTokens);
            writer.WriteEndObject();
            writer.WriteEndObject();
            await events.EndEventAsync();

            writer = events.BeginEvent("message_stop"u8);
            writer.WriteStartObject();
            writer.WriteString("type", "message_stop");
            writer.WriteEndObject();
            await events.EndEventAsync();
        }
    }
}
