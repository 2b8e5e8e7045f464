using System.Net;
using System.Text.Json.Nodes;
using ActorRelay.Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ActorRelay.Gateway.Tests.Observability;

public sealed class ObservabilityTests(SharedGateway shared) : OwnJournal
{
    private HttpClient Client => shared.Gateway.Client;

    /// <summary>The metrics page once a call to <c>m-ok</c> has been answered and read to its end.</summary>
    private async Task<string> MetricsAfterACallAsync(bool stream)
    {
        using (var call = await Client.SendAsync(Chat.Request("m-ok", "measure me", stream)))
        {
            await call.Content.ReadAsStringAsync();
        }

        return await Client.GetStringAsync("/metrics");
    }

    [Fact]
    public async Task Metrics_AfterACall_ExposeRequestLatencyTokenAndStreamSeries()
    {
        var metrics = await MetricsAfterACallAsync(stream: true);

        Assert.Contains("actorrelay_requests_total{model=\"m-ok\",channel=\"ok\",status=\"200\"}", metrics);
        Assert.Contains("actorrelay_request_duration_seconds_bucket{model=\"m-ok\",channel=\"ok\"", metrics);
        Assert.Contains("actorrelay_time_to_first_token_seconds_count{model=\"m-ok\",channel=\"ok\"}", metrics);
        Assert.Contains("actorrelay_tokens_total{model=\"m-ok\",channel=\"ok\",direction=\"output\"}", metrics);
        Assert.Contains("actorrelay_streams_in_flight", metrics);
    }

    [Fact]
    public async Task Metrics_PublishTheRuntimesMeter_ButNoPerRequestFrameworkSeriesOrEventCounters()
    {
        // prometheus-net starts listening to .NET's meters at the first scrape: the call after it is the one that would record.
        await Client.GetStringAsync("/metrics");
        var metrics = await MetricsAfterACallAsync(stream: false);

        Assert.Contains("system_runtime_dotnet_gc_collections", metrics);
        Assert.Contains("actorrelay_requests_total{model=\"m-ok\"", metrics);
        Assert.DoesNotContain("microsoft_aspnetcore_hosting_http_server_request_duration", metrics);
        Assert.DoesNotContain("microsoft_aspnetcore_routing_", metrics);
        Assert.DoesNotContain("system_net_http_", metrics);
        Assert.DoesNotContain("prometheus_net_eventcounteradapter_", metrics);
    }

    [Fact]
    public async Task OpenApiDocument_DescribesThePublicEndpoints()
    {
        var document = JsonNode.Parse(await Client.GetStringAsync("/openapi/v1.json"))!;
        var paths = document["paths"]!.AsObject();

        Assert.Contains("/v1/chat/completions", paths.Select(path => path.Key));
        Assert.Contains("/v1/models", paths.Select(path => path.Key));
        Assert.Contains("/v1/usage", paths.Select(path => path.Key));
        Assert.Contains("/admin/keys", paths.Select(path => path.Key));
        Assert.Contains("/admin/keys/{id}/rotate", paths.Select(path => path.Key));
        Assert.Contains("/admin/tenants/{tenant}/budget", paths.Select(path => path.Key));
        Assert.Contains("/admin/usage", paths.Select(path => path.Key));
        Assert.NotNull(paths["/v1/chat/completions"]!["post"]);
    }

    [Theory]
    [InlineData("/healthz")]
    [InlineData("/readyz")]
    public async Task HealthEndpoints_OnAnUpNode_AreHealthy(string path)
    {
        using var response = await Client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Readyz_StartingOrDraining_Is503Degraded_AndFromTheFirstHealthyMoment_TheDemoKeyIsAccepted()
    {
        var logs = new CapturingLoggerProvider();
        await using var gateway = await RunningGateway.StartAsync(Database, logs, waitUntilReady: false);
        var notReady = new List<(HttpStatusCode Status, string Body)>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        HttpStatusCode readiness;
        do
        {
            using var ready = await gateway.Client.GetAsync("/readyz");
            readiness = ready.StatusCode;
            if (readiness != HttpStatusCode.OK)
            {
                notReady.Add((readiness, await ready.Content.ReadAsStringAsync()));
                // Polls often enough to catch the first ready moment, without spinning on a 2-core machine.
                await Task.Delay(10);
            }
        }
        while (readiness != HttpStatusCode.OK && DateTime.UtcNow < deadline);

        using var call = await gateway.Client.SendAsync(Chat.Request("m-ok", "am I known yet?"));
        Assert.Equal(HttpStatusCode.OK, readiness);
        Assert.Equal(HttpStatusCode.OK, call.StatusCode);

        // A node can be ready by its first poll; one that drains for shutdown is not ready, whatever the timing.
        gateway.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
        using (var draining = await gateway.Client.GetAsync("/readyz"))
        {
            notReady.Add((draining.StatusCode, await draining.Content.ReadAsStringAsync()));
        }

        // A node that is not ready (starting, draining) says so without logging an error on every poll of its readiness.
        Assert.All(notReady, answer => Assert.Equal((HttpStatusCode.ServiceUnavailable, "Degraded"), answer));
        Assert.DoesNotContain(logs.Entries, entry => entry.Category.StartsWith("Microsoft.Extensions.Diagnostics.HealthChecks", StringComparison.Ordinal) && entry.Level >= LogLevel.Error);
    }

    [Fact]
    public async Task Models_ListsTheConfiguredAliases()
    {
        var models = JsonNode.Parse(await Client.GetStringAsync("/v1/models"))!;

        Assert.Equal("list", (string?)models["object"]);
        Assert.Contains(models["data"]!.AsArray(), model => (string?)model!["id"] == "m-ok" && (string?)model["object"] == "model");
    }

    [Fact]
    public async Task RequestId_IsInEveryLogLineOfThatRequest()
    {
        var logs = new CapturingLoggerProvider();
        string successId, failureId;
        await using (var gateway = await RunningGateway.StartAsync(Database, logs))
        {
            using var success = await gateway.Client.SendAsync(Chat.Request("m-ok", "log me", clientRequestId: "trace-me-1"));
            using var failure = await gateway.Client.SendAsync(Chat.Request("m-dead", "log me too", clientRequestId: "trace-me-2"));
            successId = success.Headers.GetValues("x-request-id").Single();
            failureId = failure.Headers.GetValues("x-request-id").Single();
            await Eventually.TrueAsync(() => logs.Entries.Any(entry => entry.Message.Contains("Relayed m-dead", StringComparison.Ordinal)), "the failed call was logged");
        }

        var relayLines = logs.Entries.Where(entry => entry.Category.StartsWith("ActorRelay.Gateway.Relay", StringComparison.Ordinal)).ToList();
        Assert.Contains(relayLines, entry => entry.RequestId == successId && entry.ClientRequestId == "trace-me-1");
        Assert.Contains(relayLines, entry => entry.RequestId == failureId && entry.ClientRequestId == "trace-me-2" && entry.Level == LogLevel.Warning);
        Assert.All(relayLines, entry => Assert.NotNull(entry.RequestId));
    }

    [Fact]
    public async Task BodyOverTheSizeLimit_Is413AndNotLoggedAsAFailure()
    {
        var logs = new CapturingLoggerProvider();
        var startup = 0;
        var bodyLimit = new Dictionary<string, string?> { ["Kestrel:Limits:MaxRequestBodySize"] = "4096" };
        await using (var gateway = await RunningGateway.StartAsync(Database, logs, bodyLimit))
        {
            startup = logs.Entries.Count;
            using (var tooLarge = await gateway.Client.SendAsync(Chat.Request("m-ok", new string('x', 8192))))
            {
                Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
                var error = (await Chat.JsonAsync(tooLarge))["error"]!;
                Assert.Equal("invalid_request_error", (string?)error["type"]);
                Assert.Equal("request_too_large", (string?)error["code"]);
            }

            using var after = await gateway.Client.SendAsync(Chat.Request("m-ok", "still here"));
            Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        }

        // Disposed, the gateway has drained: the handling of both requests, and anything it logged, is over.
        Assert.DoesNotContain(logs.Entries.Skip(startup), entry => entry.Level >= LogLevel.Error);
    }
}
