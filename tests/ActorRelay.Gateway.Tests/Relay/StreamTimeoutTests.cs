using System.Net;
using System.Text.Json.Nodes;
using ActorRelay.Gateway.Tests.Infrastructure;

namespace ActorRelay.Gateway.Tests.Relay;

/// <summary>Streams that stall or run too long are cut with a clean SSE error event and billed for what was delivered.</summary>
public sealed class StreamTimeoutTests : OwnJournal
{
    private static Dictionary<string, string?> SlowChannel(string name, string tokenDelayMs, string tokens, string timeoutKey, string timeoutSeconds) => new()
    {
        [$"ActorRelay:Channels:{name}:Type"] = "Simulated",
        [$"ActorRelay:Channels:{name}:ApiKey"] = RunningGateway.VendorKey,
        [$"ActorRelay:Channels:{name}:Headers:x-sim-token-delay-ms"] = tokenDelayMs,
        [$"ActorRelay:Channels:{name}:Headers:x-sim-tokens"] = tokens,
        [$"ActorRelay:Channels:{name}:{timeoutKey}"] = timeoutSeconds,
        [$"ActorRelay:Models:m-{name}:Channel"] = name,
        [$"ActorRelay:Models:m-{name}:VendorModel"] = "sim-small",
    };

    [Theory]
    [InlineData("stalling", "4000", "5", "StallTimeoutSeconds", "0.7")]
    [InlineData("endless", "100", "1000", "TotalTimeoutSeconds", "1.5")]
    public async Task Stream_CutByTimeout_EndsWithAnErrorEventAndIsBilledForWhatWasDelivered(string name, string delay, string tokens, string key, string seconds)
    {
        await using var gateway = await RunningGateway.StartAsync(Database, overrides: SlowChannel(name, delay, tokens, key, seconds));
        var clock = System.Diagnostics.Stopwatch.StartNew();

        using var response = await gateway.Client.SendAsync(Chat.Request($"m-{name}", "cut me", stream: true), HttpCompletionOption.ResponseHeadersRead);
        var events = await Chat.ReadEventsAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), $"the stream was cut after {clock.Elapsed}");
        Assert.DoesNotContain("[DONE]", events);
        Assert.NotEmpty(Chat.ConcatenatedDeltas(events[..^1]));
        Assert.Equal("upstream_timeout", (string?)JsonNode.Parse(events[^1])!["error"]!["code"]);
        var usage = await Eventually.ReturnsAsync(() => Chat.UsageAsync(gateway.Client), u => (long)u["totals"]!["requests"]! == 1, "the cut call is billed once");
        Assert.True((long)usage["totals"]!["output_tokens"]! > 0);
    }
}
