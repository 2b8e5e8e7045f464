namespace ActorRelay.Core.Translation;

/// <summary>How Gemini's finish reasons and usage correspond to OpenAI's.</summary>
internal static class GeminiMapping
{
    /// <summary>Gemini <c>finishReason</c> → OpenAI <c>finish_reason</c>; any function call makes it <c>tool_calls</c>.</summary>
    public static string FinishReason(string? finishReason, bool calledFunctions) => calledFunctions ? "tool_calls" : finishReason switch
    {
        "MAX_TOKENS" => "length",
        "SAFETY" or "RECITATION" or "BLOCKLIST" or "PROHIBITED_CONTENT" or "SPII" or "IMAGE_SAFETY" => "content_filter",
        _ => "stop",
    };

    /// <summary>
    /// <c>usageMetadata</c> in OpenAI's terms: prompt = <c>promptTokenCount</c> (which includes cached content) plus
    /// <c>toolUsePromptTokenCount</c>; completion = <c>candidatesTokenCount</c> plus <c>thoughtsTokenCount</c> (thinking is
    /// billed as output, and reported as <c>reasoning_tokens</c>); cached = <c>cachedContentTokenCount</c>.
    /// </summary>
    public static UsageCounts Usage(long prompt, long toolUsePrompt, long candidates, long thoughts, long cached) =>
        new(prompt + toolUsePrompt, candidates + thoughts, cached, thoughts);
}
