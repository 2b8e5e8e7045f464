using System.Text.Json.Nodes;
using ActorRelay.Gateway.Tests.Infrastructure;

namespace ActorRelay.Gateway.Tests.Routing;

/// <summary>
/// A gateway for the routing, fallback, breaker, canary and idempotency tests: the fault channels of
/// <see cref="RunningGateway"/>, routes over them, quick retries, and a JSON file (re-read on change) that holds the
/// channel <c>flaky</c> and the alias <c>m-file</c> so that tests can edit configuration at run time.
/// </summary>
public sealed class RoutingGateway : IAsyncLifetime
{
    private readonly string _jsonFile = Path.Combine(Path.GetTempPath(), $"actorrelay-routes-{Guid.NewGuid():N}.json");
    private RunningGateway? _gateway;

    public RunningGateway Gateway => _gateway ?? throw new InvalidOperationException("Not started.");

    public async ValueTask InitializeAsync()
    {
        await WriteFileAsync(flakyFails: true, fileRouteChannel: "ok");
        var settings = new Dictionary<string, string?>
        {
            ["ActorRelay:Retry:MaxAttempts"] = "2",
            ["ActorRelay:Retry:BaseDelayMs"] = "10",
            ["ActorRelay:Retry:MaxDelayMs"] = "50",
            ["ActorRelay:Retry:MaxRetryAfterSeconds"] = "0.1",
            ["ActorRelay:Channels:ok-b:Type"] = "Simulated",
            ["ActorRelay:Channels:ok-b:ApiKey"] = RunningGateway.VendorKey,
        };
        Route(settings, "m-split", ("a", "ok", 3, 0), ("b", "ok-b", 1, 0));
        Route(settings, "m-fb500", ("first", "fail500", 1, 0), ("ok", "ok", 1, 1));
        Route(settings, "m-fb429", ("first", "fail429", 1, 0), ("ok", "ok", 1, 1));
        Route(settings, "m-fbslow", ("first", "slow", 1, 0), ("ok", "ok", 1, 1));
        Route(settings, "m-fbdrop", ("first", "drop", 1, 0), ("ok", "ok", 1, 1));
        Route(settings, "m-fb401", ("first", "wrongkey", 1, 0), ("ok", "ok", 1, 1));
        Route(settings, "m-flaky-fb", ("first", "flaky", 1, 0), ("ok", "ok", 1, 1));
        Route(settings, "m-canary", ("main", "ok", 1, 0), ("canary", "ok-b", 1, 0));
        settings["ActorRelay:Routes:m-canary:Canaries:0:Deployment"] = "canary";
        settings["ActorRelay:Routes:m-canary:Canaries:0:Percent"] = "20";
        Route(settings, "m-beta", ("main", "ok", 1, 0), ("beta", "ok-b", 1, 0));
        settings["ActorRelay:Routes:m-beta:Canaries:0:Deployment"] = "beta";
        settings["ActorRelay:Routes:m-beta:Canaries:0:Percent"] = "100";
        settings["ActorRelay:Routes:m-beta:Canaries:0:Tenants:0"] = "beta";
        Route(settings, "m-live", ("configured", "ok", 1, 0));
        _gateway = await RunningGateway.StartAsync(overrides: settings, jsonFile: _jsonFile);
    }

    public async ValueTask DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            File.Delete(_gateway.DatabasePath);
        }

        File.Delete(_jsonFile);
    }

    /// <summary>
    /// Rewrites the JSON file: channel <c>flaky</c> (failing with 500 or healthy; its breaker opens after 3 failures
    /// and cools down for 0.5 s with one probe), aliases <c>m-flaky</c> and <c>m-file</c>, and the retry settings.
    /// </summary>
    public async Task WriteFileAsync(bool flakyFails, string fileRouteChannel)
    {
        var headers = new JsonObject();
        if (flakyFails)
        {
            headers["x-sim-fail"] = "500";
        }

        var json = new JsonObject
        {
            ["ActorRelay"] = new JsonObject
            {
                ["Channels"] = new JsonObject
                {
                    ["flaky"] = new JsonObject
                    {
                        ["Type"] = "Simulated",
                        ["ApiKey"] = RunningGateway.VendorKey,
                        ["Headers"] = headers,
                        ["Breaker"] = new JsonObject
                        {
                            ["ConsecutiveFailures"] = 3,
                            ["BreakDurationSeconds"] = 0.5,
                            ["BreakDurationMultiplier"] = 1,
                            ["ProbeCalls"] = 1,
                        },
                    },
                },
                ["Models"] = new JsonObject
                {
                    ["m-flaky"] = new JsonObject { ["Channel"] = "flaky", ["VendorModel"] = "sim-small" },
                    ["m-file"] = new JsonObject { ["Channel"] = fileRouteChannel, ["VendorModel"] = "sim-small" },
                },
            },
        };
        await File.WriteAllTextAsync(_jsonFile, json.ToJsonString());
    }

    private static void Route(Dictionary<string, string?> settings, string alias, params (string Id, string Channel, int Weight, int Priority)[] deployments)
    {
        for (var i = 0; i < deployments.Length; i++)
        {
            var (id, channel, weight, priority) = deployments[i];
            var key = $"ActorRelay:Routes:{alias}:Deployments:{i}";
            settings[$"{key}:Id"] = id;
            settings[$"{key}:Channel"] = channel;
            settings[$"{key}:VendorModel"] = "sim-small";
            settings[$"{key}:Weight"] = weight.ToString(System.Globalization.CultureInfo.InvariantCulture);
            settings[$"{key}:Priority"] = priority.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}
