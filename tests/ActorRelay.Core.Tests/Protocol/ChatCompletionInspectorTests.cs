using System.Text;
using ActorRelay.Core.Protocol;

namespace ActorRelay.Core.Tests.Protocol;

public sealed class ChatCompletionInspectorTests
{
    private static ChatCompletionFacts Inspect(string json) => ChatCompletionInspector.Inspect(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void Inspect_NonStreamResponse_ReadsUsageAndContent()
    {
        var facts = Inspect("""
            {"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"hello"},"finish_reason":"stop"}],
             "usage":{"prompt_tokens":12,"completion_tokens":5,"total_tokens":17,"prompt_tokens_details":{"cached_tokens":4,"audio_tokens":0}}}
            """);

        Assert.Equal(new TokenUsage(12, 5, 4, false), facts.Usage);
        Assert.Equal(1, facts.Choices);
        Assert.Equal(5, facts.ContentBytes);
    }

    [Fact]
    public void Inspect_DeltaChunkWithNullUsage_HasNoUsage()
    {
        var facts = Inspect("""{"choices":[{"index":0,"delta":{"content":"abc"},"finish_reason":null}],"usage":null}""");

        Assert.Null(facts.Usage);
        Assert.Equal(3, facts.ContentBytes);
    }

    [Fact]
    public void Inspect_UsageOnlyChunk_HasNoChoices()
    {
        var facts = Inspect("""{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":9,"total_tokens":12}}""");

        Assert.Equal(0, facts.Choices);
        Assert.Equal(new TokenUsage(3, 9, 0, false), facts.Usage);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("{\"choices\":[{\"delta\":")]
    public void Inspect_MalformedJson_ReturnsEmptyFacts(string json)
    {
        Assert.Equal(default, Inspect(json));
    }

    [Theory]
    [InlineData("""{"error":{"message":"bad","type":"invalid_request_error"}}""", true)]
    [InlineData("""{"id":"x","error":null}""", false)]
    [InlineData("<html>oops</html>", false)]
    public void IsErrorEnvelope_RecognisesOpenAiErrors(string body, bool expected)
    {
        Assert.Equal(expected, ChatCompletionInspector.IsErrorEnvelope(Encoding.UTF8.GetBytes(body)));
    }

    [Fact]
    public void Inspect_WithATextBuffer_CollectsContentAndToolArgumentsUnescaped()
    {
        var text = new System.Buffers.ArrayBufferWriter<byte>();
        ChatCompletionInspector.Inspect(Encoding.UTF8.GetBytes("""{"choices":[{"index":0,"delta":{"content":"caf\u00e9 "}}]}"""), text);
        ChatCompletionInspector.Inspect(Encoding.UTF8.GetBytes("""{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"name":"f","arguments":"{\"a\":1}"}}]}}]}"""), text);

        Assert.Equal("café {\"a\":1}", Encoding.UTF8.GetString(text.WrittenSpan));
    }
}
