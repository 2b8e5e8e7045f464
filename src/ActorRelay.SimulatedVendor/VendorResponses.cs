using System.Text.Json;

namespace ActorRelay.SimulatedVendor;

/// <summary>JSON responses and OpenAI error bodies shared by the simulator's endpoints.</summary>
internal static class VendorResponses
{
    public static async Task WriteJsonAsync<TState>(HttpContext context, int statusCode, TState state, Action<Utf8JsonWriter, TState> write)
    {
        var response = context.Response;
        response.StatusCode = statusCode;
        response.ContentType = "application/json";
        using (var writer = new Utf8JsonWriter(response.BodyWriter, OpenAiJson.WriterOptions))
        {
            write(writer, state);
        }

        await response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    public static Task WriteErrorAsync(HttpContext context, int statusCode, string message, string type, string? code = null) =>
        WriteJsonAsync(
            context,
            statusCode,
            (message, type, code),
            static (writer, error) => OpenAiJson.WriteError(writer, error.message, error.type, error.code));

    /// <summary>The error OpenAI answers with for a 429, 500 or 503; a 429 tells the client to retry after one second.</summary>
    public static Task WriteInjectedFailureAsync(HttpContext context, int statusCode)
    {
        switch (statusCode)
        {
            case StatusCodes.Status429TooManyRequests:
                context.Response.Headers.RetryAfter = "1";
                return WriteErrorAsync(context, statusCode, "Rate limit reached for requests (simulated). Please try again in 1s.", "requests", "rate_limit_exceeded");
            case StatusCodes.Status500InternalServerError:
                return WriteErrorAsync(context, statusCode, "The server had an error while processing your request (simulated). Sorry about that!", "server_error");
            default:
                return WriteErrorAsync(context, statusCode, "The server is overloaded or not ready yet (simulated).", "server_error");
        }
    }

    /// <summary>
    /// Checks the bearer key (or, as Azure OpenAI does, an <c>api-key</c> header with an <c>api-version</c> query) when one is
    /// configured; answers 401 (or Azure's 404 without <c>api-version</c>) and returns false when it is missing or wrong.
    /// </summary>
    public static async Task<bool> AuthorizeAsync(HttpContext context, SimulatedVendorOptions options)
    {
        if (string.IsNullOrEmpty(options.ApiKey))
        {
            return true;
        }

        if (context.Request.Headers["api-key"].ToString() is { Length: > 0 } azureKey)
        {
            if (string.IsNullOrEmpty(context.Request.Query["api-version"]))
            {
                await WriteErrorAsync(context, StatusCodes.Status404NotFound, "Resource not found", "invalid_request_error", "404");
                return false;
            }

            if (azureKey == options.ApiKey)
            {
                return true;
            }

            await WriteErrorAsync(context, StatusCodes.Status401Unauthorized, "Access denied due to invalid subscription key or wrong API endpoint.", "invalid_request_error", "401");
            return false;
        }

        string? authorization = context.Request.Headers.Authorization;
        const string Scheme = "Bearer ";
        if (authorization is null || !authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            await WriteErrorAsync(context, StatusCodes.Status401Unauthorized, "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).", "invalid_request_error");
            return false;
        }

        if (authorization.AsSpan(Scheme.Length).SequenceEqual(options.ApiKey))
        {
            return true;
        }

        await WriteErrorAsync(context, StatusCodes.Status401Unauthorized, "Incorrect API key provided.", "invalid_request_error", "invalid_api_key");
        return false;
    }
}
