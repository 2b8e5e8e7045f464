namespace ActorRelay.Core.Translation;

/// <summary>How Anthropic's stop reasons and error types correspond to OpenAI's.</summary>
internal static class AnthropicMapping
{
    public const string Version = "2023-06-01";

    /// <summary>Anthropic <c>stop_reason</c> → OpenAI <c>finish_reason</c>.</summary>
    public static string FinishReason(string? stopReason) => stopReason switch
    {
        "max_tokens" or "model_context_window_exceeded" => "length",
        "tool_use" => "tool_calls",
        "refusal" => "content_filter",
        _ => "stop", // end_turn, stop_sequence, pause_turn
    };

    /// <summary>OpenAI <c>finish_reason</c> → Anthropic <c>stop_reason</c>.</summary>
    public static string StopReason(string? finishReason) => finishReason switch
    {
        "length" => "max_tokens",
        "tool_calls" or "function_call" => "tool_use",
        "content_filter" => "refusal",
        _ => "end_turn",
    };

    /// <summary>The Anthropic error type for an HTTP status.</summary>
    public static string ErrorType(int status) => status switch
    {
        401 => "authentication_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        529 => "overloaded_error",
        >= 500 => "api_error",
        _ => "invalid_request_error",
    };

    /// <summary>The HTTP status Anthropic documents for an error type (500 for unknown types).</summary>
    public static int Status(string? errorType) => errorType switch
    {
        "invalid_request_error" => 400,
        "authentication_error" => 401,
        "billing_error" => 402,
        "permission_error" => 403,
        "not_found_error" => 404,
        "request_too_large" => 413,
        "rate_limit_error" => 429,
        "timeout_error" => 504,
        "overloaded_error" => 529,
        _ => 500,
    };

    /// <summary>An OpenAI error (type and code) → the Anthropic error type an Anthropic client expects.</summary>
    public static string ErrorTypeFromOpenAi(string? type, string? code)
    {
        foreach (var name in (ReadOnlySpan<string?>)[code, type])
        {
            switch (name)
            {
                case "invalid_request_error" or "authentication_error" or "not_found_error" or "request_too_large"
                    or "rate_limit_error" or "overloaded_error" or "api_error":
                    return name;
                case "rate_limit_exceeded" or "requests" or "tokens" or "insufficient_quota":
                    return "rate_limit_error";
                case "invalid_api_key" or "missing_api_key":
                    return "authentication_error";
                case "model_not_allowed" or "permission_error":
                    return "permission_error";
                case "model_not_found":
                    return "not_found_error";
            }
        }

        return "api_error";
    }
}
