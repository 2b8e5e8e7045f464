using System.Text.Json.Serialization;

namespace ActorRelay.Gateway.Errors;

/// <summary>OpenAI's error envelope: <c>{"error":{"message","type","param","code"}}</c>.</summary>
internal sealed record OpenAiErrorEnvelope([property: JsonPropertyName("error")] OpenAiError Error);

internal sealed record OpenAiError(
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("param")] string? Param,
    [property: JsonPropertyName("code")] string? Code);

/// <summary>The error types ActorRelay answers with, named as OpenAI names them where OpenAI has a name.</summary>
internal static class OpenAiErrorTypes
{
    public const string InvalidRequest = "invalid_request_error";
    public const string RateLimit = "rate_limit_exceeded";
    public const string InsufficientQuota = "insufficient_quota";
    public const string Permission = "permission_error";
    public const string Upstream = "upstream_error";
    public const string Timeout = "timeout_error";
    public const string Server = "server_error";
    public const string NotFound = "not_found_error";
}
