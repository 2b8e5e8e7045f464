using System.Text;
using System.Text.Json.Nodes;

namespace ActorRelay.SimulatedVendor.Tests;

public sealed class StreamingTests
{
    [Fact]
    public async Task Stream_WithoutIncludeUsage_EmitsRoleTokensFinishAndDone()
    {
        await using var vendor = await VendorHarness.StartAsync(new SimulatedVendorOptions { ResponseTokens = 5 });

        var events = await vendor.StreamAsync(VendorHarness.ChatBody("hi you", stream: true));

        Assert.Equal(1 + 5 + 1 + 1, events.Count); // role, tokens, finish, [DONE]
        Assert.Equal("[DONE]", events[^1]);
        var chunks = events.SkipLast(1).Select(e => JsonNode.Parse(e)!.AsObject()).ToList();
        var id = (string?)chunks[0]["id"];
        Assert.StartsWith("chatcmpl-sim-", id, StringComparison.Ordinal);
        Assert.All(chunks, chunk =>
        {
            Assert.Equal(id, (string?)chunk["id"]);
            Assert.Equal("chat.completion.chunk", (string?)chunk["object"]);
            Assert.Equal("sim-small", (string?)chunk["model"]);
            Assert.Equal("fp_actorrelay_sim", (string?)chunk["system_fingerprint"]);
            Assert.True(chunk.ContainsKey("created"));
            Assert.False(chunk.ContainsKey("usage"));
        });

        var role = Choice(chunks[0]);
        Assert.Equal("""{"role":"assistant","content":""}""", role["delta"]!.ToJsonString());
        Assert.Null(role["finish_reason"]);
        Assert.Equal(["You ", "said: ", "hi ", "you ", "lorem "], chunks[1..6].Select(c => (string?)Choice(c)["delta"]!["content"]));
        Assert.All(chunks[1..6], c => Assert.Null(Choice(c)["finish_reason"]));
        var finish = Choice(chunks[6]);
        Assert.Equal("{}", finish["delta"]!.ToJsonString());
        Assert.Equal("stop", (string?)finish["finish_reason"]);
    }

    [Fact]
    public async Task Stream_WithIncludeUsage_EmitsUsageChunkLastAndNullUsageBefore()
    {
        await using var vendor = await VendorHarness.StartAsync(new SimulatedVendorOptions { ResponseTokens = 3 });

        var events = await vendor.StreamAsync(VendorHarness.ChatBody("count me", stream: true, includeUsage: true));

        Assert.Equal(1 + 3 + 1 + 1 + 1, events.Count); // role, tokens, finish, usage, [DONE]
        Assert.Equal("[DONE]", events[^1]);
        var chunks = events.SkipLast(1).Select(e => JsonNode.Parse(e)!.AsObject()).ToList();
        Assert.All(chunks[..^1], chunk =>
        {
            Assert.True(chunk.ContainsKey("usage"));
            Assert.Null(chunk["usage"]);
        });
        var usageChunk = chunks[^1];
        Assert.Empty(usageChunk["choices"]!.AsArray());
        Assert.Equal("""{"prompt_tokens":3,"completion_tokens":3,"total_tokens":6}""", usageChunk["usage"]!.ToJsonString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData(4)]
    public async Task Stream_SameRequestAsNonStream_DeltasConcatenateToContentWithSameUsage(int? maxTokens)
    {
        await using var vendor = await VendorHarness.StartAsync(new SimulatedVendorOptions { ResponseTokens = 30 });

        var answer = await vendor.CompleteAsync(VendorHarness.ChatBody("echo  these\twords please", maxTokens: maxTokens));
        var events = await vendor.StreamAsync(VendorHarness.ChatBody("echo  these\twords please", stream: true, includeUsage: true, maxTokens: maxTokens));

        var chunks = events.SkipLast(1).Select(e => JsonNode.Parse(e)!).ToList();
        var streamed = new StringBuilder();
        foreach (var chunk in chunks.Where(c => c["choices"]!.AsArray().Count > 0))
        {
            streamed.Append((string?)Choice(chunk)["delta"]!["content"]);
        }

        var choice = answer["choices"]![0]!;
        Assert.Equal((string?)choice["message"]!["content"], streamed.ToString());
        Assert.Equal((string?)choice["finish_reason"], (string?)Choice(chunks[^2])["finish_reason"]);
        Assert.Equal(maxTokens is null ? "stop" : "length", (string?)choice["finish_reason"]);
        Assert.Equal(answer["usage"]!.ToJsonString(), chunks[^1]["usage"]!.ToJsonString());
    }

    [Fact]
    public async Task Stream_ZeroResponseTokens_EmitsRoleFinishAndDoneOnly()
    {
        await using var vendor = await VendorHarness.StartAsync(new SimulatedVendorOptions { ResponseTokens = 0 });

        var events = await vendor.StreamAsync(VendorHarness.ChatBody("quiet", stream: true));

        Assert.Equal(3, events.Count);
        Assert.Equal("stop", (string?)Choice(JsonNode.Parse(events[1])!)["finish_reason"]);
        Assert.Equal("[DONE]", events[2]);
    }

    private static JsonNode Choice(JsonNode chunk) => Assert.Single(chunk["choices"]!.AsArray())!;
}
