using System.Net;
using System.Text.Json.Nodes;
using ActorRelay.Gateway.Tests.Infrastructure;

namespace ActorRelay.Gateway.Tests.Relay;

public sealed class ChatCompletionsTests(SharedGateway shared)
{
    private HttpClient Client => shared.Gateway.Client;

    [Fact]
    public async Task NonStream_SimulatedChannel_ReturnsOpenAiCompletionWithTheUserMessage()
    {
        using var response = await Client.SendAsync(Chat.Request("m-ok", "tell me about otters"));
        var body = await Chat.JsonAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.ToString());
        Assert.Equal("chat.completion", (string?)body["object"]);
        Assert.Contains("tell me about otters", (string?)body["choices"]![0]!["message"]!["content"]);
        Assert.Equal("stop", (string?)body["choices"]![0]!["finish_reason"]);
        Assert.True((int)body["usage"]!["completion_tokens"]! > 0);
        Assert.True(response.Headers.Contains("x-request-id"));
    }

    /// <summary>
    /// A prompt of ~200 KB, with its length declared or sent chunked (no length), reaches the vendor whole: the vendor
    /// counts every word of it (its prompt tokens are the messages and their words).
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task NonStream_ALargePrompt_WithOrWithoutItsLengthDeclared_ReachesTheVendorWhole(bool chunked)
    {
        const int words = 30_000;
        using var request = Chat.Request("m-ok", string.Join(' ', Enumerable.Range(0, words).Select(i => $"w{i}")));
        request.Headers.TransferEncodingChunked = chunked;

        using var response = await Client.SendAsync(request);
        var body = await Chat.JsonAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2 + 3 + words, (int)body["usage"]!["prompt_tokens"]!);
    }

    [Fact]
    public async Task Stream_SimulatedChannel_RelaysEveryChunkThenDone()
    {
        using var nonStream = await Client.SendAsync(Chat.Request("m-ok", "stream me"));
        var expected = (string?)(await Chat.JsonAsync(nonStream))["choices"]![0]!["message"]!["content"];

        using var response = await Client.SendAsync(Chat.Request("m-ok", "stream me", stream: true), HttpCompletionOption.ResponseHeadersRead);
        var events = await Chat.ReadEventsAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("[DONE]", events[^1]);
        Assert.Equal(expected, Chat.ConcatenatedDeltas(events));
        Assert.DoesNotContain(events[..^1], data => JsonNode.Parse(data)!["choices"] is JsonArray { Count: 0 });
    }

    [Fact]
    public async Task Stream_ClientAsksForUsage_GetsTheFinalUsageChunk()
    {
        using var response = await Client.SendAsync(Chat.Request("m-ok", "count me", stream: true, includeUsage: true), HttpCompletionOption.ResponseHeadersRead);
        var events = await Chat.ReadEventsAsync(response);

        var usageChunk = JsonNode.Parse(events[^2])!;
        Assert.Empty(usageChunk["choices"]!.AsArray());
        Assert.True((int)usageChunk["usage"]!["completion_tokens"]! > 0);
    }

    [Fact]
    public async Task Stream_ConcurrentClients_EachGetTheirOwnAnswer()
    {
        var markers = Enumerable.Range(0, 12).Select(i => $"client-{i}-{Guid.NewGuid():N}").ToArray();

        var answers = await Task.WhenAll(markers.Select(async marker =>
        {
            using var response = await Client.SendAsync(Chat.Request("m-ok", marker, stream: true), HttpCompletionOption.ResponseHeadersRead);
            return Chat.ConcatenatedDeltas(await Chat.ReadEventsAsync(response));
        }));

        for (var i = 0; i < markers.Length; i++)
        {
            Assert.Contains(markers[i], answers[i]);
            Assert.All(markers.Where((_, j) => j != i), other => Assert.DoesNotContain(other, answers[i]));
        }
    }

    [Fact]
    public async Task Stream_ClientDisconnects_CancelsTheUpstreamCall()
    {
        var marker = $"leaving-{Guid.NewGuid():N}";
        var response = await Client.SendAsync(Chat.Request("m-long", marker, stream: true), HttpCompletionOption.ResponseHeadersRead);
        var body = await response.Content.ReadAsStreamAsync();
        await body.ReadExactlyAsync(new byte[64]);

        response.Dispose();

        var monitor = shared.Gateway.VendorMonitor;
        await Eventually.TrueAsync(() => monitor.WasAborted(marker), "the vendor saw its request aborted");
        Assert.False(monitor.Completed(marker));
        Assert.InRange(monitor.TokensWritten(marker), 1, 99_999);
    }

    [Fact]
    public async Task Stream_SlowReader_SlowsTheVendorInsteadOfBuffering()
    {
        var marker = $"slow-reader-{Guid.NewGuid():N}";
        using var response = await Client.SendAsync(Chat.Request("m-flood", marker, stream: true), HttpCompletionOption.ResponseHeadersRead);
        var monitor = shared.Gateway.VendorMonitor;
        await Eventually.TrueAsync(() => monitor.TokensWritten(marker) > 0, "the vendor started writing");

        // The client reads nothing. Once socket and pipe buffers are full, the vendor must stall.
        await Task.Delay(1500);
        var stalledAt = monitor.TokensWritten(marker);
        await Task.Delay(1000);
        var later = monitor.TokensWritten(marker);

        Assert.False(monitor.Completed(marker));
        Assert.InRange(stalledAt, 1, 99_999);
        Assert.InRange(later - stalledAt, 0, 100);

        // Reading resumes the flow and the stream completes intact.
        var events = await Chat.ReadEventsAsync(response);
        Assert.Equal("[DONE]", events[^1]);
        Assert.True(monitor.Completed(marker));
    }

    [Fact]
    public async Task Stream_VendorDropsConnection_EndsWithAnErrorEventAndNoDone()
    {
        using var response = await Client.SendAsync(Chat.Request("m-drop", "drop me", stream: true), HttpCompletionOption.ResponseHeadersRead);
        var events = await Chat.ReadEventsAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("[DONE]", events);
        var error = JsonNode.Parse(events[^1])!["error"]!;
        Assert.Equal("upstream_interrupted", (string?)error["code"]);
    }

    [Theory]
    [InlineData("x-request-id")]
    [InlineData("x-client-request-id")]
    public async Task ClientRequestId_IsEchoedBesideTheGatewaysOwnId(string header)
    {
        var clientRequestId = $"client-chosen-{Guid.NewGuid():N}";
        var ids = new List<string>();

        for (var i = 0; i < 2; i++)
        {
            using var request = Chat.Request("m-ok", "hello");
            request.Headers.Add(header, clientRequestId);
            using var response = await Client.SendAsync(request);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(clientRequestId, response.Headers.GetValues("x-client-request-id").Single());
            ids.Add(response.Headers.GetValues("x-request-id").Single());
        }

        Assert.All(ids, id => Assert.StartsWith("req_", id, StringComparison.Ordinal));
        Assert.NotEqual(ids[0], ids[1]);
    }
}
