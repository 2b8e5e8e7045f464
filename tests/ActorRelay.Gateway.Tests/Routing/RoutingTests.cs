using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ActorRelay.Gateway.Tests.Infrastructure;

namespace ActorRelay.Gateway.Tests.Routing;

/// <summary>
/// Routing and resilience over real HTTP against simulated vendors with injected faults: weights, fallback, no retry
/// after the first byte, the circuit breaker's whole cycle, canaries and run-time routing changes.
/// </summary>
public sealed class RoutingTests(RoutingGateway fixture) : IClassFixture<RoutingGateway>
{
    private RunningGateway Gateway => fixture.Gateway;

    private static string Deployment(HttpResponseMessage response) => response.Headers.GetValues("x-actorrelay-deployment").Single();

    private async Task<Dictionary<string, int>> SplitAsync(HttpClient client, string model, int calls)
    {
        var counts = new Dictionary<string, int>();
        for (var batch = 0; batch < calls; batch += 10)
        {
            var responses = await Task.WhenAll(Enumerable.Range(batch, 10).Select(i => client.SendAsync(Chat.Request(model, $"split {i}"))));
            foreach (var response in responses)
            {
                using (response)
                {
                    Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                    counts[Deployment(response)] = counts.GetValueOrDefault(Deployment(response)) + 1;
                }
            }
        }

        return counts;
    }

    [Fact]
    public async Task Weights_SplitTrafficWithinTolerance()
    {
        var counts = await SplitAsync(Gateway.Client, "m-split", 400);

        // Weights 3:1; the binomial standard deviation of 400 draws at 0.75 is 8.7 calls (2.2 %).
        Assert.InRange(counts.GetValueOrDefault("a") / 400.0, 0.66, 0.84);
        Assert.Equal(400, counts.GetValueOrDefault("a") + counts.GetValueOrDefault("b"));
    }

    [Fact]
    public async Task Canary_GetsItsShare()
    {
        var counts = await SplitAsync(Gateway.Client, "m-canary", 400);

        Assert.InRange(counts.GetValueOrDefault("canary") / 400.0, 0.12, 0.28);
        Assert.Equal(400, counts.GetValueOrDefault("canary") + counts.GetValueOrDefault("main"));
    }

    [Fact]
    public async Task TenantCanary_OnlyTheListedTenantsCallsGoThere()
    {
        await Gateway.CreateTenantAsync("beta");
        var (key, _) = await Gateway.IssueKeyAsync("beta");
        using var beta = Gateway.ClientWithKey(key);

        var betaCounts = await SplitAsync(beta, "m-beta", 20);
        var demoCounts = await SplitAsync(Gateway.Client, "m-beta", 20);

        Assert.Equal(20, betaCounts.GetValueOrDefault("beta"));
        Assert.Equal(20, demoCounts.GetValueOrDefault("main"));
    }

    [Theory]
    [InlineData("m-fb500", false)]
    [InlineData("m-fb429", false)]
    [InlineData("m-fbslow", false)]
    [InlineData("m-fb500", true)]
    [InlineData("m-fbslow", true)]
    public async Task FailureBeforeTheFirstByte_FallsBackToTheNextDeployment(string model, bool stream)
    {
        using var response = await Gateway.Client.SendAsync(Chat.Request(model, "fall back please", stream: stream));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", Deployment(response));
        Assert.Equal("2", response.Headers.GetValues("x-actorrelay-attempts").Single());
        Assert.Contains("You said: fall back please", stream ? Chat.ConcatenatedDeltas(body.Split('\n').Where(line => line.StartsWith("data: ", StringComparison.Ordinal)).Select(line => line[6..])) : body);
    }

    [Fact]
    public async Task StreamThatBreaksAfterTheFirstByte_IsNotRetried()
    {
        var before = Gateway.VendorMonitor.RequestsReceived;

        using var response = await Gateway.Client.SendAsync(Chat.Request("m-fbdrop", "drop after first byte", stream: true), HttpCompletionOption.ResponseHeadersRead);
        var events = await Chat.ReadEventsAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("first", Deployment(response));
        Assert.DoesNotContain("[DONE]", events);
        Assert.Equal("upstream_interrupted", (string?)JsonNode.Parse(events[^1])!["error"]!["code"]);
        Assert.StartsWith("You said", Chat.ConcatenatedDeltas(events[..^1]), StringComparison.Ordinal);
        Assert.Equal(1, Gateway.VendorMonitor.RequestsReceived - before);
    }

    [Fact]
    public async Task VendorClientError_IsNeitherRetriedNorMoved()
    {
        var before = Gateway.VendorMonitor.RequestsReceived;

        using var response = await Gateway.Client.SendAsync(Chat.Request("m-fb401", "not my key"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(1, Gateway.VendorMonitor.RequestsReceived - before);
    }

    [Fact]
    public async Task Breaker_Opens_Sheds_HalfOpens_AndCloses()
    {
        var vendor = Gateway.VendorMonitor;

        // Two calls of two attempts each: the third failure in a row opens the breaker.
        for (var i = 0; i < 2; i++)
        {
            using var failing = await Gateway.Client.SendAsync(Chat.Request("m-flaky", $"fail {i}"));
            Assert.Equal(HttpStatusCode.BadGateway, failing.StatusCode);
        }

        Assert.Equal("open", await BreakerStateAsync());
        var metrics = await Gateway.Client.GetStringAsync("/metrics");
        Assert.Contains("actorrelay_circuit_state{channel=\"flaky\"} 1", metrics);

        // Open: the channel is shed without a vendor call, and a route with a fallback goes there instead.
        var before = vendor.RequestsReceived;
        using (var shed = await Gateway.Client.SendAsync(Chat.Request("m-flaky", "shed")))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, shed.StatusCode);
            Assert.Equal("channel_circuit_open", (string?)(await Chat.JsonAsync(shed))["error"]!["code"]);
            Assert.NotNull(shed.Headers.RetryAfter);
        }

        using (var fallback = await Gateway.Client.SendAsync(Chat.Request("m-flaky-fb", "shed to fallback")))
        {
            Assert.Equal(HttpStatusCode.OK, fallback.StatusCode);
            Assert.Equal("ok", Deployment(fallback));
        }

        Assert.Equal(1, vendor.RequestsReceived - before);

        // After the cool-down one probe goes through; it fails, so the breaker opens again.
        await Task.Delay(600);
        before = vendor.RequestsReceived;
        using (var probe = await Gateway.Client.SendAsync(Chat.Request("m-flaky", "failing probe")))
        {
            Assert.Equal(HttpStatusCode.BadGateway, probe.StatusCode);
        }

        Assert.Equal(1, vendor.RequestsReceived - before);
        var channel = await Gateway.Admin.GetFromJsonAsync<JsonNode>("/admin/channels/flaky");
        Assert.Equal("open", (string?)channel!["breaker"]!["state"]);
        Assert.Equal("probe_failed", (string?)channel["breaker"]!["last_trip"]);
        Assert.Equal(2, (long)channel["breaker"]!["times_opened"]!);

        // The vendor recovers (configuration edited at run time); the next probe succeeds and closes the breaker.
        // Until the file is re-read, probes still fail and re-open the breaker; the first probe after it succeeds.
        await fixture.WriteFileAsync(flakyFails: false, fileRouteChannel: "ok");
        await Eventually.ReturnsAsync(
            async () =>
            {
                using var healed = await Gateway.Client.SendAsync(Chat.Request("m-flaky", "healthy probe"));
                return healed.StatusCode;
            },
            status => status == HttpStatusCode.OK,
            "a probe succeeds once the vendor recovered",
            seconds: 15);

        Assert.Equal("closed", await BreakerStateAsync());
        await Eventually.ReturnsAsync(() => Gateway.Client.GetStringAsync("/metrics"),
            text => text.Contains("actorrelay_circuit_state{channel=\"flaky\"} 0", StringComparison.Ordinal), "the metric shows the breaker closed");
        await fixture.WriteFileAsync(flakyFails: true, fileRouteChannel: "ok");
    }

    [Fact]
    public async Task RoutingChange_ThroughTheAdminApi_TakesEffectWithoutRestart()
    {
        using (var before = await Gateway.Client.SendAsync(Chat.Request("m-live", "before")))
        {
            Assert.Equal("configured", Deployment(before));
        }

        var table = await Gateway.Admin.GetFromJsonAsync<JsonNode>("/admin/routes");
        var version = (long)table!["version"]!;
        using var set = await Gateway.Admin.PutAsJsonAsync("/admin/routes/m-live", new
        {
            strategy = "lowest_latency",
            deployments = new[] { new { id = "replacement", channel = "ok-b", vendor_model = "sim-small" } },
            expected_version = version,
        });
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        var route = (await Chat.JsonAsync(set))["routes"]!.AsArray().Single(r => (string?)r!["alias"] == "m-live")!;
        Assert.Equal("admin", (string?)route["source"]);
        Assert.Equal("lowest_latency", (string?)route["strategy"]);

        using (var after = await Gateway.Client.SendAsync(Chat.Request("m-live", "after")))
        {
            Assert.Equal("replacement", Deployment(after));
        }

        using (var stale = await Gateway.Admin.PutAsJsonAsync("/admin/routes/m-live", new { deployments = new[] { new { channel = "ok" } }, expected_version = version }))
        {
            Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        }

        using (var unknown = await Gateway.Admin.PutAsJsonAsync("/admin/routes/m-live", new { deployments = new[] { new { channel = "nowhere" } } }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        }

        using (var removed = await Gateway.Admin.DeleteAsync("/admin/routes/m-live"))
        {
            Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        }

        using (var restored = await Gateway.Client.SendAsync(Chat.Request("m-live", "restored")))
        {
            Assert.Equal("configured", Deployment(restored));
        }

        var history = await Gateway.Admin.GetFromJsonAsync<JsonNode>("/admin/routes/history");
        var changes = history!["changes"]!.AsArray().Where(change => (string?)change!["alias"] == "m-live").ToList();
        Assert.Equal(["removed", "set"], changes.Select(change => (string?)change!["action"]));
        Assert.Equal(version + 2, (long)history["version"]!);
    }

    [Fact]
    public async Task RoutingChange_ByEditingTheConfigurationFile_TakesEffectWithoutRestart()
    {
        var loads = (long)(await Gateway.Admin.GetFromJsonAsync<JsonNode>("/admin/routes"))!["config_version"]!;

        await fixture.WriteFileAsync(flakyFails: true, fileRouteChannel: "ok-b");

        await Eventually.ReturnsAsync(
            async () =>
            {
                using var response = await Gateway.Client.SendAsync(Chat.Request("m-file", "edited"));
                return Deployment(response);
            },
            deployment => deployment == "ok-b",
            "the edited file routes m-file to channel ok-b");
        Assert.True((long)(await Gateway.Admin.GetFromJsonAsync<JsonNode>("/admin/routes"))!["config_version"]! > loads);
        await fixture.WriteFileAsync(flakyFails: true, fileRouteChannel: "ok");
    }

    private async Task<string?> BreakerStateAsync() =>
        (string?)(await Gateway.Admin.GetFromJsonAsync<JsonNode>("/admin/channels/flaky"))!["breaker"]!["state"];
}
