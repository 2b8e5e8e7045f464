using System.Text;

namespace ActorRelay.SimulatedVendor;

/// <summary>
/// The deterministic answer to a request. In text: the words of <c>"You said: " + last user message</c> (or
/// <c>"Tool said: " + tool result</c> after a tool result), then a fixed cycle of filler words, <see cref="CompletionTokens"/>
/// words in all; one word is one token and each token's text (its stream delta) is the word followed by a space, so the
/// deltas concatenate to <see cref="Content"/>. A tool call (<see cref="ToolCall"/>) is streamed as argument fragments of
/// at most <see cref="ArgumentFragmentChars"/> characters, one token each.
/// </summary>
internal sealed class SimulatedReply
{
    public const int ArgumentFragmentChars = 12;

    private static readonly string[] FillerTokens =
    [
        "lorem ", "ipsum ", "dolor ", "sit ", "amet ", "consectetur ", "adipiscing ", "elit ", "sed ", "do ",
        "eiusmod ", "tempor ", "incididunt ", "ut ", "labore ", "et ", "dolore ", "magna ", "aliqua ",
    ];

    private readonly string[] leadingTokens;

    private SimulatedReply(string[] leadingTokens, int completionTokens, string finishReason, int promptTokens, SimulatedToolCall? toolCall)
    {
        this.leadingTokens = leadingTokens;
        CompletionTokens = completionTokens;
        FinishReason = finishReason;
        PromptTokens = promptTokens;
        ToolCall = toolCall;
    }

    public int CompletionTokens { get; }

    /// <summary>OpenAI's finish reason: "tool_calls" for a tool call, "length" when max_tokens cut the text short, else "stop".</summary>
    public string FinishReason { get; }

    public int PromptTokens { get; }

    public int TotalTokens => PromptTokens + CompletionTokens;

    /// <summary>The tool call this reply makes instead of answering in text, or null.</summary>
    public SimulatedToolCall? ToolCall { get; }

    public static SimulatedReply Create(ChatRequest request, int responseTokens)
    {
        if (request.ToolCall is { } call)
        {
            var fragments = Fragments(call.Arguments);
            return new SimulatedReply(fragments, fragments.Length, "tool_calls", request.PromptTokens, call);
        }

        var completionTokens = Math.Min(responseTokens, request.MaxTokens ?? int.MaxValue);
        var finishReason = completionTokens < responseTokens ? "length" : "stop";
        var echo = request.ToolResult is { } result ? "Tool said: " + result : "You said: " + request.LastUserMessage;
        var echoTokens = echo
            .Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
            .Take(completionTokens)
            .Select(word => word + " ")
            .ToArray();
        return new SimulatedReply(echoTokens, completionTokens, finishReason, request.PromptTokens, toolCall: null);
    }

    /// <summary>The text of token <paramref name="index"/> (0-based), as streamed in its delta.</summary>
    public string Token(int index) =>
        index < leadingTokens.Length ? leadingTokens[index] : FillerTokens[(index - leadingTokens.Length) % FillerTokens.Length];

    /// <summary>The whole answer: all tokens concatenated (for a tool call, its arguments).</summary>
    public string Content()
    {
        var content = new StringBuilder();
        for (var i = 0; i < CompletionTokens; i++)
        {
            content.Append(Token(i));
        }

        return content.ToString();
    }

    private static string[] Fragments(string arguments)
    {
        var fragments = new List<string>();
        for (var start = 0; start < arguments.Length;)
        {
            var length = Math.Min(ArgumentFragmentChars, arguments.Length - start);
            if (start + length < arguments.Length && char.IsHighSurrogate(arguments[start + length - 1]))
            {
                length--; // never split a surrogate pair
            }

            fragments.Add(arguments.Substring(start, length));
            start += length;
        }

        return [.. fragments];
    }
}
