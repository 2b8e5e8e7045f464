using System.Net;
using System.Net.Http.Json;
using ActorRelay.Actors.Ledger;
using ActorRelay.Actors.RateLimiting;
using ActorRelay.Gateway.Tests.Infrastructure;
using Akka.Actor;
using Akka.Cluster;
using Microsoft.Extensions.DependencyInjection;

namespace ActorRelay.Gateway.Tests.Cluster;

/// <summary>
/// Two gateway processes' worth of ActorSystems on 127.0.0.1 form one cluster by configuration alone; calls on
/// either node reach the same sharded channel and ledger entities over Akka.Remote (so every message crosses
/// the wire through ActorRelay's serializer).
/// </summary>
public sealed class TwoNodeClusterTests : IDisposable
{
    private readonly string[] _databases = [RunningGateway.NewDatabasePath(), RunningGateway.NewDatabasePath()];

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var database in _databases)
        {
            File.Delete(database);
        }
    }

    [Fact]
    public async Task SecondNode_WithSeedNodeConfiguration_JoinsAndSharesTheLedger()
    {
        await using var first = await RunningGateway.StartAsync(_databases[0]);
        var seed = Akka.Cluster.Cluster.Get(first.Services.GetRequiredService<ActorSystem>()).SelfAddress.ToString();

        await using var second = await RunningGateway.StartAsync(_databases[1], overrides: new Dictionary<string, string?>
        {
            ["ActorRelay:Akka:Cluster:SeedNodes:0"] = seed,
        });

        var members = Akka.Cluster.Cluster.Get(second.Services.GetRequiredService<ActorSystem>()).State.Members;
        Assert.Equal(2, members.Count(member => member.Status == MemberStatus.Up));

        for (var i = 0; i < 6; i++)
        {
            var node = i % 2 == 0 ? first : second;
            using var response = await node.Client.SendAsync(Chat.Request("m-ok", $"cluster call {i}", stream: i % 3 == 0));
            await response.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var fromFirst = await Eventually.ReturnsAsync(
            () => Chat.UsageAsync(first.Client), usage => (long)usage["totals"]!["requests"]! == 6, "both nodes' calls reach one ledger");
        var fromSecond = await Chat.UsageAsync(second.Client);
        Assert.Equal(fromFirst.ToJsonString(), fromSecond.ToJsonString());
    }

    [Fact]
    public async Task RateLimitsAndRouteChanges_HoldAcrossTwoNodes()
    {
        var limits = new Dictionary<string, string?>
        {
            ["ActorRelay:RateLimits:DefaultKey:RequestsPerMinute"] = "6",
            ["ActorRelay:Channels:quota:Type"] = "Simulated",
            ["ActorRelay:Channels:quota:ApiKey"] = RunningGateway.VendorKey,
            ["ActorRelay:Channels:quota:Quota:RequestsPerMinute"] = "3",
            ["ActorRelay:Models:m-quota:Channel"] = "quota",
            ["ActorRelay:Models:m-quota:VendorModel"] = "sim-small",
        };
        await using var first = await RunningGateway.StartAsync(_databases[0], overrides: limits);
        var seed = Akka.Cluster.Cluster.Get(first.Services.GetRequiredService<ActorSystem>()).SelfAddress.ToString();
        await using var second = await RunningGateway.StartAsync(_databases[1], overrides: new Dictionary<string, string?>(limits)
        {
            ["ActorRelay:Akka:Cluster:SeedNodes:0"] = seed,
        });

        // The demo key may make 6 calls a minute, whichever node takes them.
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 12; i++)
        {
            var response = await (i % 2 == 0 ? first : second).Client.SendAsync(Chat.Request("m-ok", $"limited {i}"));
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                refused?.Dispose();
                refused = response;
            }
            else
            {
                Assert.Equal("6", response.Headers.GetValues("x-ratelimit-limit-requests").Single());
                response.Dispose();
            }
        }

        Assert.Equal(6, statuses.Count(status => status == HttpStatusCode.OK));
        Assert.Equal(6, statuses.Count(status => status == HttpStatusCode.TooManyRequests));
        using (refused)
        {
            Assert.Equal("rate_limit_exceeded", (string?)(await Chat.JsonAsync(refused!))["error"]!["code"]);
            Assert.Equal("6", refused!.Headers.GetValues("x-ratelimit-limit-requests").Single());
            Assert.Equal("0", refused.Headers.GetValues("x-ratelimit-remaining-requests").Single());
            Assert.Matches("^[0-9.ms]+$", refused.Headers.GetValues("x-ratelimit-reset-requests").Single());
            Assert.True(refused.Headers.RetryAfter!.Delta >= TimeSpan.FromSeconds(1));
            Assert.False(refused.Headers.Contains("x-ratelimit-limit-tokens"));
        }

        // The channel's vendor quota (3 a minute) holds across both nodes for another key.
        await first.CreateTenantAsync("quota-tenant");
        var (key, _) = await first.IssueKeyAsync("quota-tenant");
        await Eventually.ReturnsAsync(async () =>
        {
            using var client = second.ClientWithKey(key);
            using var models = await client.GetAsync("/v1/models");
            return models.StatusCode;
        }, status => status == HttpStatusCode.OK, "the new key reaches the second node");
        var quotaStatuses = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            using var client = (i % 2 == 0 ? first : second).ClientWithKey(key);
            using var response = await client.SendAsync(Chat.Request("m-quota", $"quota {i}"));
            quotaStatuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.Equal("channel_rate_limit", (string?)(await Chat.JsonAsync(response))["error"]!["code"]);
            }
        }

        Assert.Equal(3, quotaStatuses.Count(status => status == HttpStatusCode.OK));

        // A route set on one node reaches the other within seconds.
        using var set = await first.Admin.PutAsJsonAsync("/admin/routes/m-moved", new { deployments = new[] { new { id = "moved", channel = "ok" } } });
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        using var client2 = second.ClientWithKey(key);
        await Eventually.ReturnsAsync(async () =>
        {
            using var response = await client2.SendAsync(Chat.Request("m-moved", "moved"));
            return response.StatusCode;
        }, status => status == HttpStatusCode.OK, "the second node serves the route set on the first", seconds: 10);
    }

    [Fact]
    public async Task KeyRevokedOnOneNode_StopsWorkingOnTheOtherWithinSeconds()
    {
        await using var first = await RunningGateway.StartAsync(_databases[0]);
        var seed = Akka.Cluster.Cluster.Get(first.Services.GetRequiredService<ActorSystem>()).SelfAddress.ToString();
        await using var second = await RunningGateway.StartAsync(_databases[1], overrides: new Dictionary<string, string?>
        {
            ["ActorRelay:Akka:Cluster:SeedNodes:0"] = seed,
        });
        await first.CreateTenantAsync("roaming");
        var (key, id) = await first.IssueKeyAsync("roaming");
        using var onSecond = second.ClientWithKey(key);
        await Eventually.ReturnsAsync(() => StatusAsync(onSecond), status => status == HttpStatusCode.OK, "the key issued on node 1 works on node 2");

        using var revoked = await first.Admin.PostAsync($"/admin/keys/{id}/revoke", null);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        await Eventually.ReturnsAsync(() => StatusAsync(onSecond), status => status == HttpStatusCode.Unauthorized, "node 2 refuses the revoked key", seconds: 5);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task BudgetAndRateLeases_SpentOnTwoNodesAtOnce_NeverExceedTheLimits()
    {
        const int perMinute = 200;
        var limits = new Dictionary<string, string?> { ["ActorRelay:RateLimits:DefaultKey:RequestsPerMinute"] = perMinute.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        await using var first = await RunningGateway.StartAsync(_databases[0], overrides: limits);
        var seed = Akka.Cluster.Cluster.Get(first.Services.GetRequiredService<ActorSystem>()).SelfAddress.ToString();
        await using var second = await RunningGateway.StartAsync(_databases[1], overrides: new Dictionary<string, string?>(limits)
        {
            ["ActorRelay:Akka:Cluster:SeedNodes:0"] = seed,
        });
        await first.CreateTenantAsync("shared");
        await first.CreateTenantAsync("capped");
        var (key, _) = await first.IssueKeyAsync("shared");
        var (cappedKey, _) = await first.IssueKeyAsync("capped");
        using var onFirst = first.ClientWithKey(key);
        using var onSecond = second.ClientWithKey(key);
        using var cappedFirst = first.ClientWithKey(cappedKey);
        using var cappedSecond = second.ClientWithKey(cappedKey);
        await Eventually.ReturnsAsync(() => StatusAsync(onSecond), status => status == HttpStatusCode.OK, "the key works on node 2");
        await Eventually.ReturnsAsync(() => StatusAsync(cappedSecond), status => status == HttpStatusCode.OK, "the capped key works on node 2");
        var maxCost = (((System.Text.Encoding.UTF8.GetByteCount(
            """{"model":"m-ok","messages":[{"role":"user","content":"roaming"}]}""") + 16) * 1.5m) + (4096 * 6m)) / 1_000_000m;
        var budget = (decimal)(await Chat.UsageAsync(cappedFirst))["totals"]!["cost"]! + (30 * maxCost);
        await first.SetBudgetAsync("capped", budget);

        // Buckets and leases are soft state that an entity moving to the new node would lose: measure once the
        // shards stopped moving (sharding rebalances towards the new node every 5 s).
        await SettledAsync(first, (RateLimitActorHostingExtensions.RegionName, new RateLimitMessageExtractor().ShardId("shared", null)),
            (TenantLedgerActorHostingExtensions.RegionName, new LedgerMessageExtractor().ShardId("capped", null)));

        // Rate: each node spends leases of 20 calls from the key's bucket; together they admit the limit, not more (and
        // no fewer than the limit less what the two nodes' last leases still hold).
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var rated = await Task.WhenAll(Enumerable.Range(0, 2 * perMinute).Select(async i =>
        {
            using var response = await (i % 2 == 0 ? onFirst : onSecond).SendAsync(Chat.Request("m-ok", $"rated {i}"));
            return (response.StatusCode, Body: await response.Content.ReadAsStringAsync());
        }));
        var refill = (int)Math.Ceiling(clock.Elapsed.TotalMinutes * perMinute) + 1;
        var admitted = rated.Count(answer => answer.StatusCode == HttpStatusCode.OK);
        Assert.All(rated, answer => Assert.True(answer.StatusCode is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, $"unexpected {answer.StatusCode}: {answer.Body}"));
        Assert.InRange(admitted, perMinute - (2 * 20), perMinute + refill);

        // Budget: a hard budget worth 30 calls, spent from both nodes' leases at once, is never overspent.
        var statuses = await Task.WhenAll(Enumerable.Range(0, 90).Select(i => StatusAsync(i % 2 == 0 ? cappedFirst : cappedSecond)));

        var usage = await Chat.UsageAsync(cappedSecond);
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        Assert.True((decimal)usage["totals"]!["cost"]! <= budget, $"spent {usage["totals"]!["cost"]} of {budget}");
    }

    /// <summary>Waits until each (region, shard) has stayed on one node for longer than a rebalance interval.</summary>
    private static async Task SettledAsync(RunningGateway gateway, params (string Region, string Shard)[] shards)
    {
        var since = System.Diagnostics.Stopwatch.StartNew();
        var hosts = new List<string?>();
        await Eventually.ReturnsAsync(async () =>
        {
            using var response = await gateway.Admin.GetAsync("/admin/cluster");
            var regions = (await Chat.JsonAsync(response))["regions"]!.AsArray();
            var now = shards.Select(shard => regions.Single(region => (string?)region!["region"] == shard.Region)!["nodes"]!.AsArray()
                .Where(node => node!["shards"]!.AsObject().ContainsKey(shard.Shard))
                .Select(node => (string?)node!["address"]).SingleOrDefault()).ToList();
            if (now.Any(host => host is null) || !now.SequenceEqual(hosts))
            {
                (hosts, since) = (now, System.Diagnostics.Stopwatch.StartNew());
            }

            await Task.Delay(500);
            return since.Elapsed;
        }, stable => stable > TimeSpan.FromSeconds(6), "the shards stopped moving", seconds: 40);
    }

    private static async Task<HttpStatusCode> StatusAsync(HttpClient client)
    {
        using var response = await client.SendAsync(Chat.Request("m-ok", "roaming"));
        return response.StatusCode;
    }
}
