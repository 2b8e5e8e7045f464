using System.Text.Json;

namespace ActorRelay.SimulatedVendor.Tests;

public sealed class SimulatedToolCallTests
{
    [Theory]
    [InlineData("""{"type":"object","properties":{"q":{"type":"string"}},"required":["q"]}""", """{"q":"sim"}""")]
    [InlineData("""{"type":"object","properties":{"q":{"type":"string"}}}""", "{}")]
    [InlineData("""{"type":"object","properties":{"n":{"type":"number","maximum":0.5},"i":{"type":"integer","minimum":5}},"required":["n","i"]}""", """{"n":0.5,"i":5}""")]
    [InlineData("""{"type":"object","properties":{"e":{"enum":[7,"x"]},"c":{"const":"fixed"}},"required":["e","c"]}""", """{"e":7,"c":"fixed"}""")]
    [InlineData("""{"type":"object","properties":{"t":{"type":["null","boolean"]},"a":{"anyOf":[{"type":"null"},{"type":"integer"}]}},"required":["t","a"]}""", """{"t":true,"a":1}""")]
    [InlineData("""{"type":"object","properties":{"list":{"type":"array","items":{"type":"object","properties":{"id":{"type":"integer"}},"required":["id"]}}},"required":["list"]}""", """{"list":[{"id":1}]}""")]
    [InlineData("""{"type":"OBJECT","properties":{"city":{"type":"STRING"},"max":{"type":"INTEGER","minimum":"2"}},"required":["city","max"]}""", """{"city":"sim","max":2}""")]
    [InlineData("""{"properties":{"implied":{"items":{"type":"boolean"}}},"required":["implied","undeclared"]}""", """{"implied":[true],"undeclared":"sim"}""")]
    public void For_Schema_FillsRequiredPropertiesByType(string schema, string expected)
    {
        using var document = JsonDocument.Parse(schema);

        var call = SimulatedToolCall.For("tool", document.RootElement);

        Assert.Equal(expected, call.Arguments);
        Assert.Equal("tool", call.Name);
    }

    [Fact]
    public void For_NoSchema_CallsWithEmptyObject()
    {
        Assert.Equal("{}", SimulatedToolCall.For("tool", default).Arguments);
    }

    [Fact]
    public void For_RecursiveSchema_StopsAtDepthLimit()
    {
        var schema = string.Concat(Enumerable.Repeat("""{"type":"array","items":""", 40)) + """{"type":"string"}""" + new string('}', 40);
        using var document = JsonDocument.Parse(schema);

        var arguments = SimulatedToolCall.For("deep", document.RootElement).Arguments;

        Assert.Equal(new string('[', 33) + "\"sim\"" + new string(']', 33), arguments);
    }

    [Fact]
    public void Reply_ToolCall_StreamsArgumentFragmentsThatConcatenateToArguments()
    {
        var request = new ChatRequest("m", Stream: true, IncludeUsage: true, MaxTokens: 1, "call it", PromptTokens: 3)
        {
            ToolCall = new SimulatedToolCall("get_weather", VendorHarness.WeatherArguments),
        };

        var reply = SimulatedReply.Create(request, responseTokens: 0);

        Assert.Equal("tool_calls", reply.FinishReason);
        Assert.Equal((VendorHarness.WeatherArguments.Length + SimulatedReply.ArgumentFragmentChars - 1) / SimulatedReply.ArgumentFragmentChars, reply.CompletionTokens);
        Assert.Equal(VendorHarness.WeatherArguments, reply.Content());
        Assert.All(Enumerable.Range(0, reply.CompletionTokens), i => Assert.InRange(reply.Token(i).Length, 1, SimulatedReply.ArgumentFragmentChars));
    }

    [Fact]
    public void Reply_AfterToolResult_EchoesToolResult()
    {
        var request = new ChatRequest("m", Stream: false, IncludeUsage: false, MaxTokens: null, "what is the weather", PromptTokens: 3) { ToolResult = "15 degrees" };

        var reply = SimulatedReply.Create(request, responseTokens: 5);

        Assert.Equal("Tool said: 15 degrees lorem ", reply.Content());
        Assert.Equal("stop", reply.FinishReason);
    }
}
