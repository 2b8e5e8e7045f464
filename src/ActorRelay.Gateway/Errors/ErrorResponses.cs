using System.Text.Json;
using ActorRelay.Core.Translation;

namespace ActorRelay.Gateway.Errors;

/// <summary>The error body format of an endpoint: OpenAI's envelope (chat completions, responses, embeddings...) or Anthropic's.</summary>
internal enum ErrorFormat
{
    OpenAI,
    Anthropic,
}

/// <summary>Writes errors in the caller's protocol. Every error ActorRelay produces goes through here.</summary>
internal static class ErrorResponses
{
    /// <summary>The format of a request whose endpoint set none, and the one that needs no entry in its items.</summary>
    private const ErrorFormat DefaultFormat = ErrorFormat.OpenAI;

    private static readonly object FormatKey = new();

    /// <summary>
    /// Makes every later error of this request come in <paramref name="format"/> (set once, by the endpoint, before
    /// anything else). Every request has <see cref="DefaultFormat"/> until then, so only another one is kept in the
    /// request's <see cref="HttpContext.Items"/>: an OpenAI call allocates no items dictionary for it.
    /// </summary>
    public static void UseFormat(HttpContext context, ErrorFormat format)
    {
        if (format != DefaultFormat)
        {
            context.Items[FormatKey] = format;
        }
    }

    public static ErrorFormat FormatOf(HttpContext context) =>
        context.Items.TryGetValue(FormatKey, out var format) && format is ErrorFormat known ? known : DefaultFormat;

    public static async Task WriteAsync(HttpContext context, int status, string message, string type, string? code, string? param = null)
    {
        if (context.Response.HasStarted)
        {
            return;
        }

        var envelope = new OpenAiErrorEnvelope(new OpenAiError(message, type, param, code));
        if (FormatOf(context) == ErrorFormat.OpenAI)
        {
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            await JsonSerializer.SerializeAsync(context.Response.Body, envelope, GatewayJsonContext.Default.OpenAiErrorEnvelope, context.RequestAborted);
            return;
        }

        await WriteBodyAsync(context, status, JsonSerializer.SerializeToUtf8Bytes(envelope, GatewayJsonContext.Default.OpenAiErrorEnvelope));
    }

    /// <summary>An OpenAI error body (a vendor's, relayed) in the caller's format.</summary>
    public static async Task WriteBodyAsync(HttpContext context, int status, byte[] openAiError)
    {
        if (context.Response.HasStarted)
        {
            return;
        }

        var body = FormatOf(context) == ErrorFormat.Anthropic ? AnthropicInbound.FromOpenAiError(status, openAiError) : openAiError;
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(body, context.RequestAborted);
    }

    /// <summary>An error as one OpenAI SSE event, for a stream that already started (the client's translator turns it into its protocol's).</summary>
    public static Core.Sse.SseEvent OpenAiSseEvent(string message, string type, string? code) =>
        new(null, JsonSerializer.SerializeToUtf8Bytes(new OpenAiErrorEnvelope(new OpenAiError(message, type, null, code)), GatewayJsonContext.Default.OpenAiErrorEnvelope));
}
