using System.Text.RegularExpressions;
using ActorRelay.Gateway.Tests.Infrastructure;

namespace ActorRelay.Gateway.Tests.Observability;

/// <summary>W3C trace context from the caller, through the gateway, to a vendor on 127.0.0.1 that shows what it got.</summary>
public sealed partial class TraceContextTests : OwnJournal
{
    private const string CallerTrace = "0af7651916cd43dd8448eb211c80319c";
    private const string CallerSpan = "b7ad6b7169203331";
    private const string Answer = """{"id":"c1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}""";

    [Theory]
    [InlineData("01")]
    [InlineData("00")]
    public async Task CallersTraceparent_ReachesTheVendorAsTheSameTrace_UnderTheGatewaysSpan_WithItsTracestate(string flags)
    {
        var logs = new CapturingLoggerProvider();
        await using var vendor = new RawVendor(RawVendor.Json("200 OK", Answer));
        await using (var gateway = await RunningGateway.StartAsync(Database, logs, overrides: vendor.Channel("traced", "m-traced")))
        {
            using var request = Chat.Request("m-traced", "trace me");
            request.Headers.Add("traceparent", $"00-{CallerTrace}-{CallerSpan}-{flags}");
            request.Headers.Add("tracestate", "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7");
            using var response = await gateway.Client.SendAsync(request, TestContext.Current.CancellationToken);
            response.EnsureSuccessStatusCode();
            await Eventually.TrueAsync(() => logs.Entries.Any(entry => entry.Message.StartsWith("Relayed m-traced", StringComparison.Ordinal)), "the call was logged");
        }

        var head = Assert.Single(vendor.RequestHeads);
        var sent = Traceparent().Match(RawVendor.Header(head, "traceparent") ?? "");
        Assert.True(sent.Success, head);
        Assert.Equal(CallerTrace, sent.Groups["trace"].Value);
        Assert.NotEqual(CallerSpan, sent.Groups["span"].Value);
        Assert.Equal(flags, sent.Groups["flags"].Value);
        Assert.Equal("congo=t61rcWkgMzE,rojo=00f067aa0ba902b7", RawVendor.Header(head, "tracestate"));
        Assert.Equal(CallerTrace, logs.Entries.Single(entry => entry.Message.StartsWith("Relayed m-traced", StringComparison.Ordinal)).TraceId);
    }

    [Fact]
    public async Task WithoutTraceparent_TheGatewayStartsATrace_AndTheVendorGetsIt()
    {
        await using var vendor = new RawVendor(RawVendor.Json("200 OK", Answer));
        await using var gateway = await RunningGateway.StartAsync(Database, overrides: vendor.Channel("traced", "m-traced"));

        using var first = await gateway.Client.SendAsync(Chat.Request("m-traced", "one"), TestContext.Current.CancellationToken);
        using var second = await gateway.Client.SendAsync(Chat.Request("m-traced", "two"), TestContext.Current.CancellationToken);

        var traces = vendor.RequestHeads.Select(head => Traceparent().Match(RawVendor.Header(head, "traceparent") ?? "")).ToList();
        Assert.Equal(2, traces.Count);
        Assert.All(traces, trace => Assert.True(trace.Success));
        Assert.NotEqual(traces[0].Groups["trace"].Value, traces[1].Groups["trace"].Value);
        Assert.DoesNotContain(traces, trace => trace.Groups["trace"].Value == new string('0', 32));
    }

    [GeneratedRegex("^00-(?<trace>[0-9a-f]{32})-(?<span>[0-9a-f]{16})-(?<flags>[0-9a-f]{2})$")]
    private static partial Regex Traceparent();
}
