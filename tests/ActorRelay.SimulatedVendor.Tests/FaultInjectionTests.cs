using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;

namespace ActorRelay.SimulatedVendor.Tests;

public sealed class FaultInjectionTests
{
    [Theory]
    [InlineData(429, "requests", "rate_limit_exceeded")]
    [InlineData(500, "server_error", null)]
    [InlineData(503, "server_error", null)]
    public async Task FailStatus_Configured_EveryRequestFailsWithOpenAiError(int status, string type, string? code)
    {
        await using var vendor = await VendorHarness.StartAsync(new SimulatedVendorOptions { FailStatus = status });

        using var plain = await vendor.PostChatAsync(VendorHarness.ChatBody("fail me"));
        using var streamed = await vendor.PostChatAsync(VendorHarness.ChatBody("fail me too", stream: true));

        await ErrorAssert.OpenAiErrorAsync(plain, (HttpStatusCode)status, type, code);
        await ErrorAssert.OpenAiErrorAsync(streamed, (HttpStatusCode)status, type, code);
        Assert.Equal(status == 429 ? TimeSpan.FromSeconds(1) : null, plain.Headers.RetryAfter?.Delta);
        Assert.Equal(2, vendor.Monitor.RequestsReceived);
    }

    [Theory]
    [InlineData(null, 429)]
    [InlineData(500, 503)]
    public async Task FailHeader_OverridesOptions_FailsWithHeaderStatus(int? configured, int requested)
    {
        await using var vendor = await VendorHarness.StartAsync(new SimulatedVendorOptions { FailStatus = configured });

        using var response = await vendor.PostChatAsync(VendorHarness.ChatBody("x"), VendorHarness.Header("x-sim-fail", requested.ToString(System.Globalization.CultureInfo.InvariantCulture)));

        Assert.Equal((HttpStatusCode)requested, response.StatusCode);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task DropAfter_StreamReachesLimit_ConnectionCutWithoutDone(bool viaHeader)
    {
        var options = new SimulatedVendorOptions { TokenDelayMs = 20, DropAfterTokens = viaHeader ? null : 3 };
        await using var vendor = await VendorHarness.StartAsync(options);
        var headers = viaHeader ? VendorHarness.Header("x-sim-drop-after", "3") : null;

        using var response = await vendor.PostChatAsync(VendorHarness.ChatBody("drop me", stream: true), headers, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var events = new SseLineReader(await response.Content.ReadAsStreamAsync(VendorHarness.Cancellation));
        var received = new List<string>();

        await Assert.ThrowsAnyAsync<IOException>(async () =>
        {
            while (await events.NextAsync() is { } payload)
            {
                received.Add(payload);
            }
        });

        Assert.Equal(1 + 3, received.Count); // role chunk + 3 tokens
        Assert.DoesNotContain("[DONE]", received);
        Assert.Equal(3, vendor.Monitor.TokensWritten("drop me"));
        Assert.False(vendor.Monitor.Completed("drop me"));
        Assert.False(vendor.Monitor.WasAborted("drop me"));
    }

    [Fact]
    public async Task DropAfter_NonStream_IsIgnored()
    {
        await using var vendor = await VendorHarness.StartAsync(new SimulatedVendorOptions { DropAfterTokens = 1 });

        var answer = await vendor.CompleteAsync(VendorHarness.ChatBody("whole answer"));

        Assert.Equal(16, (int)answer["usage"]!["completion_tokens"]!);
    }

    [Fact]
    public async Task TokensHeader_OverridesResponseTokens_StreamAndNonStreamHonourIt()
    {
        await using var vendor = await VendorHarness.StartAsync(new SimulatedVendorOptions { ResponseTokens = 16 });
        var headers = VendorHarness.Header("x-sim-tokens", "3");

        var answer = await vendor.CompleteAsync(VendorHarness.ChatBody("short please"), headers);
        var events = await vendor.StreamAsync(VendorHarness.ChatBody("short please", stream: true), headers);

        Assert.Equal("You said: short ", (string?)answer["choices"]![0]!["message"]!["content"]);
        Assert.Equal(1 + 3 + 1 + 1, events.Count);
    }

    [Fact]
    public async Task FirstTokenDelayHeader_Stream_DelaysResponseHeaders()
    {
        await using var vendor = await VendorHarness.StartAsync();
        var watch = Stopwatch.StartNew();

        using var response = await vendor.PostChatAsync(
            VendorHarness.ChatBody("slow start", stream: true),
            VendorHarness.Header("x-sim-first-token-delay-ms", "300"),
            HttpCompletionOption.ResponseHeadersRead);

        Assert.InRange(watch.ElapsedMilliseconds, 280, 5_000);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task TokenDelayHeaders_OverrideOptions_SlowDownStreamAndNonStream()
    {
        await using var vendor = await VendorHarness.StartAsync(new SimulatedVendorOptions { ResponseTokens = 5, TokenDelayMs = 10_000 });
        IEnumerable<KeyValuePair<string, string>> headers = [new("x-sim-token-delay-ms", "40"), new("x-sim-first-token-delay-ms", "0")];

        var watch = Stopwatch.StartNew();
        await vendor.CompleteAsync(VendorHarness.ChatBody("paced"), headers);
        var nonStream = watch.ElapsedMilliseconds;
        watch.Restart();
        var events = await vendor.StreamAsync(VendorHarness.ChatBody("paced", stream: true), headers);
        var stream = watch.ElapsedMilliseconds;

        Assert.InRange(nonStream, 5 * 40 - 20, 5_000); // tokens × delay
        Assert.InRange(stream, 4 * 40 - 20, 5_000); // delay between tokens
        Assert.Equal(1 + 5 + 1 + 1, events.Count);
    }

    [Theory]
    [InlineData("x-sim-fail", "418")]
    [InlineData("x-sim-fail", "soon")]
    [InlineData("x-sim-tokens", "-1")]
    [InlineData("x-sim-tokens", "100001")]
    [InlineData("x-sim-token-delay-ms", "1.5")]
    [InlineData("x-sim-first-token-delay-ms", "")]
    [InlineData("x-sim-drop-after", "many")]
    public async Task OverrideHeader_Invalid_Returns400WithOpenAiError(string header, string value)
    {
        await using var vendor = await VendorHarness.StartAsync();

        using var response = await vendor.PostChatAsync(VendorHarness.ChatBody("bad header"), VendorHarness.Header(header, value));

        await ErrorAssert.OpenAiErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request_error", expectedCode: null);
        var message = (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync(VendorHarness.Cancellation))!["error"]!["message"];
        Assert.Contains(header, message, StringComparison.Ordinal);
    }
}
