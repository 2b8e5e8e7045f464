using System.Net;
using ActorRelay.Gateway.Tests.Infrastructure;
using ActorRelay.Gateway.Tests.Routing;

namespace ActorRelay.Gateway.Tests.Relay;

/// <summary>Repeats of a request with the same <c>Idempotency-Key</c> call the vendor once and bill once.</summary>
public sealed class IdempotencyTests(RoutingGateway fixture) : IClassFixture<RoutingGateway>
{
    private RunningGateway Gateway => fixture.Gateway;

    private static HttpRequestMessage Request(string model, string message, string key, bool stream = false)
    {
        var request = Chat.Request(model, message, stream: stream);
        request.Headers.Add("Idempotency-Key", key);
        return request;
    }

    private async Task<long> BilledRequestsAsync() => (long)(await Chat.UsageAsync(Gateway.Client))["totals"]!["requests"]!;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SequentialRepeat_ReplaysTheFirstAnswer(bool stream)
    {
        var key = Guid.NewGuid().ToString();
        var vendorBefore = Gateway.VendorMonitor.RequestsReceived;
        var billedBefore = await BilledRequestsAsync();

        using var first = await Gateway.Client.SendAsync(Request("m-ok", "only once", key, stream));
        var firstBody = await first.Content.ReadAsStringAsync();
        await Eventually.ReturnsAsync(BilledRequestsAsync, billed => billed == billedBefore + 1, "the first call is billed");
        using var repeat = await Gateway.Client.SendAsync(Request("m-ok", "only once", key, stream));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, repeat.StatusCode);
        Assert.Equal(firstBody, await repeat.Content.ReadAsStringAsync());
        Assert.Equal("true", repeat.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.False(first.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(1, Gateway.VendorMonitor.RequestsReceived - vendorBefore);
        await Task.Delay(300);
        Assert.Equal(billedBefore + 1, await BilledRequestsAsync());
    }

    [Fact]
    public async Task ConcurrentRepeats_JoinTheCallInFlight()
    {
        var key = Guid.NewGuid().ToString();
        var vendorBefore = Gateway.VendorMonitor.RequestsReceived;
        var billedBefore = await BilledRequestsAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => Gateway.Client.SendAsync(Request("m-held", "slow and once", key))));
        var bodies = await Task.WhenAll(responses.Select(response => response.Content.ReadAsStringAsync()));

        Assert.All(responses, response => Assert.Equal(HttpStatusCode.OK, response.StatusCode));
        Assert.Single(bodies.Distinct());
        Assert.Equal(4, responses.Count(response => response.Headers.Contains("Idempotent-Replayed")));
        Assert.Equal(1, Gateway.VendorMonitor.RequestsReceived - vendorBefore);
        await Eventually.ReturnsAsync(BilledRequestsAsync, billed => billed == billedBefore + 1, "one call is billed");
        await Task.Delay(300);
        Assert.Equal(billedBefore + 1, await BilledRequestsAsync());
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task SameKey_DifferentBody_Is422()
    {
        var key = Guid.NewGuid().ToString();
        using var first = await Gateway.Client.SendAsync(Request("m-ok", "one body", key));

        using var other = await Gateway.Client.SendAsync(Request("m-ok", "another body", key));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal((HttpStatusCode)422, other.StatusCode);
        Assert.Equal("idempotency_key_reused", (string?)(await Chat.JsonAsync(other))["error"]!["code"]);
    }

    [Fact]
    public async Task FailedFirstCall_IsNotKept_SoARepeatRunsAgain()
    {
        var key = Guid.NewGuid().ToString();
        var vendorBefore = Gateway.VendorMonitor.RequestsReceived;

        using var first = await Gateway.Client.SendAsync(Request("m-fb401", "fails", key));
        using var repeat = await Gateway.Client.SendAsync(Request("m-fb401", "fails", key));

        Assert.Equal(HttpStatusCode.Unauthorized, first.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, repeat.StatusCode);
        Assert.Equal(2, Gateway.VendorMonitor.RequestsReceived - vendorBefore);
    }
}
