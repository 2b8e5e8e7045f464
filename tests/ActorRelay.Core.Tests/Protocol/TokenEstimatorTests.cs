using System.Text;
using System.Text.Json.Nodes;
using ActorRelay.Core.Protocol;

namespace ActorRelay.Core.Tests.Protocol;

public sealed class TokenEstimatorTests
{
    [Fact]
    public void Count_KnownSentence_MatchesTiktoken()
    {
        // "Hello, world!" is 4 tokens in both o200k_base and cl100k_base: "Hello", ",", " world", "!".
        Assert.Equal(4, TokenEstimator.Default.Count("Hello, world!"));
        Assert.Equal(4, TokenEstimator.ForModel("gpt-3.5-turbo").Count("Hello, world!"u8));
        Assert.Equal(0, TokenEstimator.Default.Count(""u8));
    }

    [Theory]
    [InlineData("gpt-4o-mini", false)]
    [InlineData("gpt-4.1", false)]
    [InlineData("claude-sonnet-4", false)]
    [InlineData("gpt-4-turbo", true)]
    [InlineData("gpt-3.5-turbo", true)]
    [InlineData("text-embedding-3-small", true)]
    public void ForModel_PicksTheModelsEncoding(string model, bool cl100k) =>
        Assert.Equal(cl100k, !ReferenceEquals(TokenEstimator.Default, TokenEstimator.ForModel(model)));

    [Fact]
    public void CountPrompt_CountsMessagesToolCallsImagesAndTools()
    {
        var request = JsonNode.Parse("""
            {"model":"m","messages":[
              {"role":"system","content":"Hello, world!"},
              {"role":"user","content":[{"type":"text","text":"Hello, world!"},{"type":"image_url","image_url":{"url":"https://x/y.png"}}]},
              {"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]}],
             "tools":[{"type":"function","function":{"name":"f"}}]}
            """)!.AsObject();
        var tools = TokenEstimator.Default.Count("""[{"type":"function","function":{"name":"f"}}]""");
        var call = TokenEstimator.Default.Count("f") + TokenEstimator.Default.Count("{}");

        // 3 to prime the reply, 3 per message, 4 + 4 text tokens, 85 for the image.
        Assert.Equal(3 + (3 * 3) + 4 + 4 + 85 + call + tools, TokenEstimator.Default.CountPrompt(request));
    }

    [Fact]
    public void Count_NonEnglishText_StaysWithinTheFourBytesPerTokenBound()
    {
        var text = string.Concat(Enumerable.Repeat("日本語のテキストです。", 20));

        var tokens = TokenEstimator.Default.Count(text);

        Assert.InRange(tokens, 1, Encoding.UTF8.GetByteCount(text) / 4);
    }
}
