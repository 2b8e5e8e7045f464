using System.Text;

namespace ActorRelay.SimulatedVendor;

/// <summary>
/// The deterministic answer to a request: the words of <c>"You said: " + last user message</c>, then a fixed
/// cycle of filler words, <see cref="CompletionTokens"/> words in all. One word is one token; each token's
/// text (its stream delta) is the word followed by a space, so the deltas concatenate to <see cref="Content"/>.
/// </summary>
internal sealed class SimulatedReply
{
    private static readonly string[] FillerTokens =
    [
        "lorem ", "ipsum ", "dolor ", "sit ", "amet ", "consectetur ", "adipiscing ", "elit ", "sed ", "do ",
        "eiusmod ", "tempor ", "incididunt ", "ut ", "labore ", "et ", "dolore ", "magna ", "aliqua ",
    ];

    private readonly string[] echoTokens;

    private SimulatedReply(string[] echoTokens, int completionTokens, string finishReason, int promptTokens)
    {
        this.echoTokens = echoTokens;
        CompletionTokens = completionTokens;
        FinishReason = finishReason;
        PromptTokens = promptTokens;
    }

    public int CompletionTokens { get; }

    /// <summary>"length" when max_tokens cut the answer short, else "stop".</summary>
    public string FinishReason { get; }

    public int PromptTokens { get; }

    public int TotalTokens => PromptTokens + CompletionTokens;

    public static SimulatedReply Create(ChatRequest request, int responseTokens)
    {
        var completionTokens = Math.Min(responseTokens, request.MaxTokens ?? int.MaxValue);
        var finishReason = completionTokens < responseTokens ? "length" : "stop";
        var echoTokens = ("You said: " + request.LastUserMessage)
            .Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
            .Take(completionTokens)
            .Select(word => word + " ")
            .ToArray();
        return new SimulatedReply(echoTokens, completionTokens, finishReason, request.PromptTokens);
    }

    /// <summary>The text of token <paramref name="index"/> (0-based), as streamed in its delta.</summary>
    public string Token(int index) =>
        index < echoTokens.Length ? echoTokens[index] : FillerTokens[(index - echoTokens.Length) % FillerTokens.Length];

    /// <summary>The whole answer: all tokens concatenated.</summary>
    public string Content()
    {
        var content = new StringBuilder();
        for (var i = 0; i < CompletionTokens; i++)
        {
            content.Append(Token(i));
        }

        return content.ToString();
    }
}
