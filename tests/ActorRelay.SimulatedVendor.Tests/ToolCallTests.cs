using System.Text;
using System.Text.Json.Nodes;

namespace ActorRelay.SimulatedVendor.Tests;

/// <summary>OpenAI chat completions with tools: the first tool is called when the user spoke last; a tool result is answered in text.</summary>
public sealed class ToolCallTests
{
    [Fact]
    public async Task ChatCompletion_ToolsOffered_CallsFirstToolWithSchemaValidArguments()
    {
        await using var vendor = await VendorHarness.StartAsync();

        var answer = await vendor.CompleteAsync(WithTools(VendorHarness.ChatBody("weather in Paris?")));

        var choice = answer["choices"]![0]!;
        Assert.Equal("tool_calls", (string?)choice["finish_reason"]);
        var message = choice["message"]!;
        Assert.Null(message["content"]);
        var call = Assert.Single(message["tool_calls"]!.AsArray())!;
        Assert.StartsWith("call_sim_", (string?)call["id"], StringComparison.Ordinal);
        Assert.Equal("function", (string?)call["type"]);
        Assert.Equal("get_weather", (string?)call["function"]!["name"]);
        Assert.Equal(VendorHarness.WeatherArguments, (string?)call["function"]!["arguments"]);
        Assert.Equal(Fragments(), (int)answer["usage"]!["completion_tokens"]!);
    }

    [Fact]
    public async Task Stream_ToolsOffered_StreamsToolCallHeadThenArgumentFragments()
    {
        await using var vendor = await VendorHarness.StartAsync();

        var events = await vendor.StreamAsync(WithTools(VendorHarness.ChatBody("weather stream", stream: true, includeUsage: true)));

        Assert.Equal("[DONE]", events[^1]);
        var chunks = events.SkipLast(1).Select(e => JsonNode.Parse(e)!).ToList();
        Assert.Equal(1 + Fragments() + 1 + 1, chunks.Count); // head, fragments, finish, usage
        var head = chunks[0]["choices"]![0]!["delta"]!;
        Assert.Equal("assistant", (string?)head["role"]);
        var headCall = head["tool_calls"]![0]!;
        Assert.Equal(0, (int)headCall["index"]!);
        Assert.StartsWith("call_sim_", (string?)headCall["id"], StringComparison.Ordinal);
        Assert.Equal("get_weather", (string?)headCall["function"]!["name"]);
        Assert.Equal(string.Empty, (string?)headCall["function"]!["arguments"]);
        var arguments = new StringBuilder();
        foreach (var chunk in chunks.Skip(1).Take(Fragments()))
        {
            var call = chunk["choices"]![0]!["delta"]!["tool_calls"]![0]!;
            Assert.Null(call["id"]);
            arguments.Append((string?)call["function"]!["arguments"]);
        }

        Assert.Equal(VendorHarness.WeatherArguments, arguments.ToString());
        Assert.Equal("tool_calls", (string?)chunks[^2]["choices"]![0]!["finish_reason"]);
        Assert.Equal(Fragments(), (int)chunks[^1]["usage"]!["completion_tokens"]!);
    }

    [Fact]
    public async Task ChatCompletion_LastMessageIsToolResult_AnswersInTextAboutTheResult()
    {
        await using var vendor = await VendorHarness.StartAsync(new SimulatedVendorOptions { ResponseTokens = 6 });
        var body = WithTools(VendorHarness.ChatBody("weather in Paris?"));
        body["messages"]!.AsArray().Add(JsonNode.Parse("""
            {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{}"}}]}
            """));
        body["messages"]!.AsArray().Add(new JsonObject { ["role"] = "tool", ["tool_call_id"] = "call_1", ["content"] = "15 degrees, foggy" });

        var answer = await vendor.CompleteAsync(body);

        var choice = answer["choices"]![0]!;
        Assert.Equal("stop", (string?)choice["finish_reason"]);
        Assert.Equal("Tool said: 15 degrees, foggy lorem ", (string?)choice["message"]!["content"]);
        Assert.Null(choice["message"]!["tool_calls"]);
    }

    [Fact]
    public async Task ChatCompletion_ToolChoiceNone_AnswersInText()
    {
        await using var vendor = await VendorHarness.StartAsync(new SimulatedVendorOptions { ResponseTokens = 3 });
        var body = WithTools(VendorHarness.ChatBody("no tools please"));
        body["tool_choice"] = "none";

        var answer = await vendor.CompleteAsync(body);

        Assert.Equal("You said: no ", (string?)answer["choices"]![0]!["message"]!["content"]);
    }

    [Fact]
    public async Task Stream_ToolCall_MonitorCountsFragmentsUnderLastUserMessage()
    {
        await using var vendor = await VendorHarness.StartAsync();

        await vendor.StreamAsync(WithTools(VendorHarness.ChatBody("monitored call", stream: true)));

        Assert.Equal(Fragments(), vendor.Monitor.TokensWritten("monitored call"));
        await VendorHarness.EventuallyAsync(() => vendor.Monitor.Completed("monitored call"), "the stream completed");
    }

    internal static int Fragments() =>
        (VendorHarness.WeatherArguments.Length + SimulatedReply.ArgumentFragmentChars - 1) / SimulatedReply.ArgumentFragmentChars;

    private static JsonObject WithTools(JsonObject body)
    {
        body["tools"] = new JsonArray(
            new JsonObject { ["type"] = "function", ["function"] = new JsonObject { ["name"] = "get_weather", ["parameters"] = VendorHarness.WeatherSchema() } },
            new JsonObject { ["type"] = "function", ["function"] = new JsonObject { ["name"] = "second_tool" } });
        return body;
    }
}
