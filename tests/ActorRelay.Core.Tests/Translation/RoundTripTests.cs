using System.Text;
using System.Text.Json.Nodes;
using ActorRelay.Core.Protocol;
using ActorRelay.Core.Sse;
using ActorRelay.Core.Translation;

namespace ActorRelay.Core.Tests.Translation;

/// <summary>What a user notices end to end: a client protocol over the canonical OpenAI one over a vendor protocol.</summary>
public sealed class RoundTripTests
{
    [Fact]
    public void AnthropicClientOverAnthropicVendor_Stream_KeepsEventOrderTextToolInputAndUsage()
    {
        var vendor = new AnthropicProtocol(Fixture.Clock).CreateStreamTranslator("claude-alias");
        var client = AnthropicInbound.CreateStreamTranslator("claude-alias");

        var output = Fixture.Translate(client, Fixture.Translate(vendor, Fixture.Events("Anthropic/stream-tool.anthropic.sse")));

        Assert.Equal(
            [
                "message_start", "content_block_start", "ping", "content_block_delta", "content_block_delta", "content_block_stop",
                "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop", "message_delta", "message_stop",
            ],
            output.Select(e => e.EventType));
        var message = Accumulate(output);
        Assert.Equal("Okay, let me check the weather — \"SF\".", (string?)message["content"]![0]!["text"]);
        Assert.Equal("""{"location":"San Francisco, CA"}""", message["content"]![1]!["input"]!.ToJsonString());
        Assert.Equal("toolu_01T1x1fJ34qAmk2tNTrN7Up6", (string?)message["content"]![1]!["id"]);
        Assert.Equal("tool_use", (string?)message["stop_reason"]);
        Assert.Equal(472, (int)message["usage"]!["input_tokens"]!);
        Assert.Equal(89, (int)message["usage"]!["output_tokens"]!);
        Assert.Equal(new TokenUsage(472, 89, 0, false), client.Usage);
    }

    [Fact]
    public void AnthropicClientOverGeminiVendor_Stream_TurnsFunctionCallsIntoToolUseBlocks()
    {
        var vendor = new GeminiProtocol(Fixture.Clock).CreateStreamTranslator("gemini-alias");
        var client = AnthropicInbound.CreateStreamTranslator("claude-alias");

        var output = Fixture.Translate(client, Fixture.Translate(vendor, Fixture.Events("Gemini/stream-tool.gemini.sse")));

        var message = Accumulate(output);
        Assert.Equal(["text", "tool_use", "tool_use"], message["content"]!.AsArray().Select(b => (string?)b!["type"]));
        Assert.Equal("""{"location":"Boston, MA","unit":"celsius"}""", message["content"]![1]!["input"]!.ToJsonString());
        Assert.Equal("call_1", (string?)message["content"]![2]!["id"]);
        Assert.Equal("tool_use", (string?)message["stop_reason"]);
        Assert.Equal(50, (int)message["usage"]!["output_tokens"]!);
    }

    [Fact]
    public void AnthropicClientOverAnthropicVendor_Request_KeepsToolsToolUseAndToolResults()
    {
        var original = Fixture.Json("AnthropicInbound/request-tools.anthropic.json");
        Assert.True(AnthropicInbound.TryToOpenAi(original, out var openAi, out var error), error);

        var relayed = JsonNode.Parse(new AnthropicProtocol(Fixture.Clock).BuildRequest(openAi, "claude-sonnet-4-5", stream: true).Body)!;

        Assert.True(JsonNode.DeepEquals(original["tools"], relayed["tools"]));
        Assert.Equal("You are a weather bot.\nBe brief.", (string?)relayed["system"]);
        var messages = relayed["messages"]!.AsArray();
        Assert.Equal(["user", "assistant", "user"], messages.Select(m => (string?)m!["role"]));
        Assert.True(JsonNode.DeepEquals(original["messages"]![0]!["content"], messages[0]!["content"]));
        Assert.True(JsonNode.DeepEquals(original["messages"]![1]!["content"]![2], messages[1]!["content"]![1]));
        Assert.Equal(
            """[{"type":"tool_result","tool_use_id":"toolu_01A09q90qw90lq917835lq9","content":"15 degrees"},{"type":"text","text":"Thanks, and tomorrow?"}]""",
            messages[2]!["content"]!.ToJsonString());
        Assert.Equal("""{"type":"auto","disable_parallel_tool_use":true}""", relayed["tool_choice"]!.ToJsonString());
    }

    [Fact]
    public void AnthropicClientOverAnthropicVendor_Response_KeepsContentAndTotalInputTokens()
    {
        var completion = new AnthropicProtocol(Fixture.Clock).TranslateResponse(Fixture.Bytes("Anthropic/response-tool.anthropic.json"), "claude-alias");

        var message = JsonNode.Parse(AnthropicInbound.FromOpenAiResponse(completion, "claude-alias"))!;

        var original = Fixture.Json("Anthropic/response-tool.anthropic.json");
        Assert.True(JsonNode.DeepEquals(original["content"]![1], message["content"]![0]));
        Assert.True(JsonNode.DeepEquals(original["content"]![2], message["content"]![1]));
        Assert.Equal("tool_use", (string?)message["stop_reason"]);
        Assert.Equal("msg_01Aq9w938a90dw8q", (string?)message["id"]);
    }

    /// <summary>Accumulates an Anthropic event sequence into the final message, as Anthropic's SDKs do.</summary>
    private static JsonObject Accumulate(IEnumerable<SseEvent> events)
    {
        JsonObject? message = null;
        var partialJson = new Dictionary<int, StringBuilder>();
        foreach (var sse in events)
        {
            var data = JsonNode.Parse(sse.Data.Span)!;
            switch (sse.EventType)
            {
                case "message_start":
                    message = data["message"]!.DeepClone().AsObject();
                    break;
                case "content_block_start":
                    message!["content"]!.AsArray().Add(data["content_block"]!.DeepClone());
                    break;
                case "content_block_delta":
                    var index = (int)data["index"]!;
                    var delta = data["delta"]!;
                    if ((string?)delta["type"] == "text_delta")
                    {
                        var block = message!["content"]![index]!;
                        block["text"] = (string?)block["text"] + (string?)delta["text"];
                    }
                    else
                    {
                        (partialJson.TryGetValue(index, out var json) ? json : partialJson[index] = new StringBuilder()).Append((string?)delta["partial_json"]);
                    }

                    break;
                case "content_block_stop":
                    var stopped = (int)data["index"]!;
                    if (partialJson.TryGetValue(stopped, out var input))
                    {
                        message!["content"]![stopped]!["input"] = JsonNode.Parse(input.ToString());
                    }

                    break;
                case "message_delta":
                    message!["stop_reason"] = data["delta"]!["stop_reason"]!.DeepClone();
                    message["usage"] = data["usage"]!.DeepClone();
                    break;
            }
        }

        return message!;
    }
}
