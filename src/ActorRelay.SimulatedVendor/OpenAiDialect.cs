using System.Text.Json;

namespace ActorRelay.SimulatedVendor;

/// <summary>OpenAI chat completions: <c>POST /v1/chat/completions</c>, bearer key, OpenAI error bodies, <c>data: [DONE]</c> streams.</summary>
internal sealed class OpenAiDialect : IVendorDialect
{
    public Task<bool> AuthorizeAsync(HttpContext context, SimulatedVendorOptions options) => VendorResponses.AuthorizeAsync(context, options);

    public Task<ChatRequest> ReadRequestAsync(HttpContext context, CancellationToken cancellationToken) =>
        ChatRequest.ReadAsync(context.Request.Body, cancellationToken);

    public Task WriteInvalidRequestAsync(HttpContext context, string message) =>
        VendorResponses.WriteErrorAsync(context, StatusCodes.Status400BadRequest, message, "invalid_request_error");

    public Task WriteInjectedFailureAsync(HttpContext context, int status) => VendorResponses.WriteInjectedFailureAsync(context, status);

    public void WriteAnswer(Utf8JsonWriter writer, ChatRequest request, SimulatedReply reply) =>
        OpenAiJson.WriteCompletion(writer, CompletionIdentity.New(request.Model), reply);

    public ISimulatedStream CreateStream(ServerSentEventWriter events, ChatRequest request, SimulatedReply reply) =>
        new OpenAiStream(events, CompletionIdentity.New(request.Model), request.IncludeUsage, reply);

    /// <summary>Role chunk (with the tool call's head for a tool call), a delta per token, finish chunk, usage chunk if asked, <c>[DONE]</c>.</summary>
    private sealed class OpenAiStream(ServerSentEventWriter events, CompletionIdentity identity, bool includeUsage, SimulatedReply reply) : ISimulatedStream
    {
        public ValueTask WriteStartAsync()
        {
            if (reply.ToolCall is { } call)
            {
                OpenAiJson.WriteToolCallChunk(events.BeginEvent(), identity, includeUsage, call.Name, arguments: string.Empty);
            }
            else
            {
                OpenAiJson.WriteChunk(events.BeginEvent(), identity, includeUsage, role: "assistant", content: string.Empty, finishReason: null);
            }

            return events.EndEventAsync();
        }

        public ValueTask WriteTokenAsync(int index)
        {
            if (reply.ToolCall is not null)
            {
                OpenAiJson.WriteToolCallChunk(events.BeginEvent(), identity, includeUsage, name: null, reply.Token(index));
            }
            else
            {
                OpenAiJson.WriteChunk(events.BeginEvent(), identity, includeUsage, role: null, content: reply.Token(index), finishReason: null);
            }

            return events.EndEventAsync();
        }

        public async ValueTask WriteEndAsync()
        {
            OpenAiJson.WriteChunk(events.BeginEvent(), identity, includeUsage, role: null, content: null, finishReason: reply.FinishReason);
            await events.EndEventAsync();
            if (includeUsage)
            {
                OpenAiJson.WriteUsageChunk(events.BeginEvent(), identity, reply);
                await events.EndEventAsync();
            }

            await events.WriteDoneAsync();
        }
    }
}
