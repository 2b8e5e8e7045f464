using System.Text.Json;

namespace ActorRelay.Gateway.Errors;

/// <summary>Writes errors in the caller's protocol. Every error ActorRelay produces goes through here.</summary>
internal static class ErrorResponses
{
    public static async Task WriteOpenAiAsync(HttpContext context, int status, string message, string type, string? code, string? param = null)
    {
        if (context.Response.HasStarted)
        {
            return;
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(
            context.Response.Body,
            new OpenAiErrorEnvelope(new OpenAiError(message, type, param, code)),
            GatewayJsonContext.Default.OpenAiErrorEnvelope,
            context.RequestAborted);
    }

    /// <summary>An error as one SSE event, for a stream that already started: OpenAI SDKs raise it as an API error.</summary>
    public static byte[] OpenAiSseEvent(string message, string type, string? code) =>
        [.. "data: "u8, .. JsonSerializer.SerializeToUtf8Bytes(new OpenAiErrorEnvelope(new OpenAiError(message, type, null, code)), GatewayJsonContext.Default.OpenAiErrorEnvelope), .. "\n\n"u8];
}
