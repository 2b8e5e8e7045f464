using System.Text.Json;

namespace ActorRelay.SimulatedVendor;

/// <summary>
/// Google Gemini: <c>POST /v1beta/models/{model}:generateContent</c> and <c>:streamGenerateContent?alt=sse</c>, the key in
/// <c>x-goog-api-key</c> or <c>?key=</c>, <c>{"error":{"code","message","status"}}</c> bodies. A stream sends one
/// GenerateContentResponse per token with running usage and a last one with the finish reason; a function call comes
/// whole in that last one, as Gemini sends it.
/// </summary>
internal sealed class GeminiDialect(bool stream) : IVendorDialect
{
    public async Task<bool> AuthorizeAsync(HttpContext context, SimulatedVendorOptions options)
    {
        if (string.IsNullOrEmpty(options.ApiKey))
        {
            return true;
        }

        string? key = context.Request.Headers["x-goog-api-key"];
        key ??= context.Request.Query["key"];
        if (key is null)
        {
            await WriteErrorAsync(context, StatusCodes.Status403Forbidden, "PERMISSION_DENIED", "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.");
            return false;
        }

        if (key.AsSpan().SequenceEqual(options.ApiKey))
        {
            return true;
        }

        await WriteErrorAsync(context, StatusCodes.Status400BadRequest, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.");
        return false;
    }

    public Task<ChatRequest> ReadRequestAsync(HttpContext context, CancellationToken cancellationToken)
    {
        if (stream && context.Request.Query["alt"] != "sse")
        {
            throw new InvalidRequestException("The simulated vendor streams only server-sent events: add ?alt=sse.");
        }

        var model = (string)context.Request.RouteValues["model"]!;
        return GeminiRequestReader.ReadAsync(context.Request.Body, model, stream, cancellationToken);
    }

    public Task WriteInvalidRequestAsync(HttpContext context, string message) =>
        WriteErrorAsync(context, StatusCodes.Status400BadRequest, "INVALID_ARGUMENT", message);

    public Task WriteInjectedFailureAsync(HttpContext context, int status)
    {
        switch (status)
        {
            case StatusCodes.Status429TooManyRequests:
                context.Response.Headers.RetryAfter = "1";
                return WriteErrorAsync(context, status, "RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota) (simulated).");
            case StatusCodes.Status500InternalServerError:
                return WriteErrorAsync(context, status, "INTERNAL", "An internal error has occurred (simulated).");
            default:
                return WriteErrorAsync(context, status, "UNAVAILABLE", "The model is overloaded. Please try again later (simulated).");
        }
    }

    public void WriteAnswer(Utf8JsonWriter writer, ChatRequest request, SimulatedReply reply) =>
        WriteResponse(writer, reply.ToolCall is null ? reply.Content() : null, reply.ToolCall, FinishReason(reply), reply.PromptTokens, reply.CompletionTokens, request.Model, NewResponseId());

    public ISimulatedStream CreateStream(ServerSentEventWriter events, ChatRequest request, SimulatedReply reply) =>
        new GeminiStream(events, request.Model, NewResponseId(), reply);

    private static Task WriteErrorAsync(HttpContext context, int status, string code, string message) =>
        VendorResponses.WriteJsonAsync(context, status, (status, code, message), static (writer, error) =>
        {
            writer.WriteStartObject();
            writer.WriteStartObject("error");
            writer.WriteNumber("code", error.status);
            writer.WriteString("message", error.message);
            writer.WriteString("status", error.code);
            writer.WriteEndObject();
            writer.WriteEndObject();
        });

    private static string FinishReason(SimulatedReply reply) => reply.FinishReason == "length" ? "MAX_TOKENS" : "STOP";

    private static string NewResponseId() => $"sim-{Guid.NewGuid():N}";

    /// <summary>One GenerateContentResponse: a text part or a function call, an optional finish reason, the usage so far.</summary>
    private static void WriteResponse(Utf8JsonWriter writer, string? text, SimulatedToolCall? call, string? finishReason, int promptTokens, int candidateTokens, string model, string responseId)
    {
        writer.WriteStartObject();
        writer.WriteStartArray("candidates");
        writer.WriteStartObject();
        writer.WriteStartObject("content");
        writer.WriteStartArray("parts");
        writer.WriteStartObject();
        if (call is not null)
        {
            writer.WriteStartObject("functionCall");
            writer.WriteString("name", call.Name);
            writer.WritePropertyName("args");
            writer.WriteRawValue(call.Arguments, skipInputValidation: true);
            writer.WriteEndObject();
        }
        else
        {
            writer.WriteString("text", text);
        }

        writer.WriteEndObject();
        writer.WriteEndArray();
        writer.WriteString("role", "model");
        writer.WriteEndObject();
        if (finishReason is not null)
        {
            writer.WriteString("finishReason", finishReason);
        }

        writer.WriteNumber("index", 0);
        writer.WriteEndObject();
        writer.WriteEndArray();
        writer.WriteStartObject("usageMetadata");
        writer.WriteNumber("promptTokenCount", promptTokens);
        if (candidateTokens > 0)
        {
            writer.WriteNumber("candidatesTokenCount", candidateTokens);
        }

        writer.WriteNumber("totalTokenCount", promptTokens + candidateTokens);
        writer.WriteEndObject();
        writer.WriteString("modelVersion", model);
        writer.WriteString("responseId", responseId);
        writer.WriteEndObject();
    }

    private sealed class GeminiStream(ServerSentEventWriter events, string model, string responseId, SimulatedReply reply) : ISimulatedStream
    {
        public ValueTask WriteStartAsync() => ValueTask.CompletedTask;

        public ValueTask WriteTokenAsync(int index)
        {
            if (reply.ToolCall is not null)
            {
                return ValueTask.CompletedTask; // the call goes out whole with the finish reason
            }

            WriteResponse(events.BeginEvent(), reply.Token(index), null, null, reply.PromptTokens, index + 1, model, responseId);
            return events.EndEventAsync();
        }

        public ValueTask WriteEndAsync()
        {
            WriteResponse(events.BeginEvent(), string.Empty, reply.ToolCall, FinishReason(reply), reply.PromptTokens, reply.CompletionTokens, model, responseId);
            return events.EndEventAsync();
        }
    }
}
