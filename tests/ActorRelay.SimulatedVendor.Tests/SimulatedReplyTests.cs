namespace ActorRelay.SimulatedVendor.Tests;

public sealed class SimulatedReplyTests
{
    [Fact]
    public void Create_EchoShorterThanResponse_FillsWithLoremCycle()
    {
        var reply = SimulatedReply.Create(Request("hi", maxTokens: null), responseTokens: 24);

        Assert.Equal(
            "You said: hi lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua lorem ipsum ",
            reply.Content());
        Assert.Equal(24, reply.CompletionTokens);
        Assert.Equal("stop", reply.FinishReason);
    }

    [Fact]
    public void Create_EchoLongerThanResponse_TruncatesEchoWithStop()
    {
        var reply = SimulatedReply.Create(Request("one two three four five", maxTokens: null), responseTokens: 4);

        Assert.Equal("You said: one two ", reply.Content());
        Assert.Equal("stop", reply.FinishReason);
    }

    [Fact]
    public void Create_MaxTokensEqualToResponse_StopsRatherThanLength()
    {
        var reply = SimulatedReply.Create(Request("x", maxTokens: 5), responseTokens: 5);

        Assert.Equal(5, reply.CompletionTokens);
        Assert.Equal("stop", reply.FinishReason);
    }

    [Fact]
    public void Create_TokensConcatenated_EqualContentAndCountUsage()
    {
        var reply = SimulatedReply.Create(Request("a b", maxTokens: 7, promptTokens: 11), responseTokens: 50);

        Assert.Equal(reply.Content(), string.Concat(Enumerable.Range(0, reply.CompletionTokens).Select(reply.Token)));
        Assert.All(Enumerable.Range(0, reply.CompletionTokens), i => Assert.EndsWith(" ", reply.Token(i), StringComparison.Ordinal));
        Assert.Equal("length", reply.FinishReason);
        Assert.Equal(11 + 7, reply.TotalTokens);
    }

    [Theory]
    [InlineData("", 0)]
    [InlineData("one", 1)]
    [InlineData("  one\ttwo\n three  ", 3)]
    public void CountWords_Whitespace_CountsSeparatedWords(string text, int expected)
    {
        Assert.Equal(expected, ChatRequest.CountWords(text));
    }

    private static ChatRequest Request(string lastUserMessage, int? maxTokens, int promptTokens = 2) =>
        new("sim-small", Stream: false, IncludeUsage: false, maxTokens, lastUserMessage, promptTokens);
}
