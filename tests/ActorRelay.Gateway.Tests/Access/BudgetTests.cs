using System.Net;
using System.Text.Json.Nodes;
using ActorRelay.Gateway.Tests.Infrastructure;

namespace ActorRelay.Gateway.Tests.Access;

/// <summary>Budgets through the relay, each test on its own gateway and SQLite journal.</summary>
public sealed class BudgetTests : OwnJournal
{
    private static HttpRequestMessage FixedRequest(string model) =>
        Chat.Raw("""{"model":"MODEL","max_tokens":20,"messages":[{"role":"user","content":"budget probe"}]}""".Replace("MODEL", model, StringComparison.Ordinal));

    /// <summary>The reservation the gateway makes for <see cref="FixedRequest"/>: every body byte an input token, plus max_tokens.</summary>
    private static decimal MaxCostOf(string model) =>
        ((System.Text.Encoding.UTF8.GetByteCount(FixedRequest(model).Content!.ReadAsStringAsync().Result) * 1.5m) + (20 * 6m)) / 1_000_000m;

    [Fact]
    public async Task HardBudget_200ConcurrentCallsAgainstABudgetFor50_AdmitsAtMost50AndNeverOverspends()
    {
        await using var gateway = await RunningGateway.StartAsync(Database);
        await gateway.CreateTenantAsync("busy");
        var (key, _) = await gateway.IssueKeyAsync("busy");
        var budget = 50 * MaxCostOf("m-held");
        await gateway.SetBudgetAsync("busy", budget);
        using var client = gateway.ClientWithKey(key);

        var statuses = await Task.WhenAll(Enumerable.Range(0, 200).Select(async _ =>
        {
            using var response = await client.SendAsync(FixedRequest("m-held"));
            var body = await response.Content.ReadAsStringAsync();
            return (response.StatusCode, body);
        }));

        var admitted = statuses.Count(status => status.StatusCode == HttpStatusCode.OK);
        Assert.InRange(admitted, 1, 50);
        Assert.All(statuses.Where(status => status.StatusCode != HttpStatusCode.OK), status =>
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, status.StatusCode);
            Assert.Equal("budget_exceeded", (string?)JsonNode.Parse(status.body)!["error"]!["code"]);
            Assert.Contains("busy", (string?)JsonNode.Parse(status.body)!["error"]!["message"]);
        });
        var usage = await Eventually.ReturnsAsync(() => Chat.UsageAsync(client), u => (long)u["totals"]!["requests"]! == admitted, "every admitted call is billed");
        Assert.True((decimal)usage["totals"]!["cost"]! <= budget);
    }

    [Fact]
    public async Task HardBudget_Exhausted_RefusesWith429NamingTheBudget_AndSoftBudgetPasses()
    {
        await using var gateway = await RunningGateway.StartAsync(Database);
        await gateway.CreateTenantAsync("small", "p");
        var (key, _) = await gateway.IssueKeyAsync("small", "p");
        using var client = gateway.ClientWithKey(key);
        await gateway.SetBudgetAsync("small", MaxCostOf("m-ok"), period: "daily");

        using (var first = await client.SendAsync(FixedRequest("m-ok")))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        using var second = await client.SendAsync(FixedRequest("m-ok"));
        var error = (await Chat.JsonAsync(second))["error"]!;
        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.Equal("insufficient_quota", (string?)error["type"]);
        Assert.Contains("daily budget", (string?)error["message"]);

        await gateway.SetBudgetAsync("small", 0.0000001m, mode: "soft");
        using var soft = await client.SendAsync(FixedRequest("m-ok"));
        Assert.Equal(HttpStatusCode.OK, soft.StatusCode);
        Assert.Contains("actorrelay_soft_budget_exceeded_total{tenant=\"small\"", await gateway.Client.GetStringAsync("/metrics"));
    }

    [Fact]
    public async Task ProjectBudget_LimitsThatProjectOnly()
    {
        await using var gateway = await RunningGateway.StartAsync(Database);
        await gateway.CreateTenantAsync("multi", "capped");
        using (await gateway.Admin.PostAsync("/admin/tenants/multi/projects", JsonContent("""{"id":"free"}""")))
        {
        }

        var (capped, _) = await gateway.IssueKeyAsync("multi", "capped");
        var (free, _) = await gateway.IssueKeyAsync("multi", "free");
        await gateway.SetBudgetAsync("multi", 0m, project: "capped");
        using var cappedClient = gateway.ClientWithKey(capped);
        using var freeClient = gateway.ClientWithKey(free);

        using var refused = await cappedClient.SendAsync(FixedRequest("m-ok"));
        using var passed = await freeClient.SendAsync(FixedRequest("m-ok"));

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Contains("Project 'capped'", (string?)(await Chat.JsonAsync(refused))["error"]!["message"]);
        Assert.Equal(HttpStatusCode.OK, passed.StatusCode);
    }

    [Fact]
    public async Task BudgetStanding_SurvivesARestart()
    {
        JsonNode before;
        await using (var first = await RunningGateway.StartAsync(Database))
        {
            await first.CreateTenantAsync("steady");
            var (key, _) = await first.IssueKeyAsync("steady");
            await first.SetBudgetAsync("steady", 1m);
            using var client = first.ClientWithKey(key);
            for (var i = 0; i < 3; i++)
            {
                using var response = await client.SendAsync(FixedRequest("m-ok"));
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }

            // Reads of usage and budgets wait for this node's settled calls to be billed: all three are counted at once.
            var usage = await Chat.UsageAsync(client);
            before = (await Chat.JsonAsync(await first.Admin.GetAsync("/admin/tenants/steady/budgets")))["budgets"]![0]!;
            Assert.Equal(3, (long)usage["totals"]!["requests"]!);
            Assert.Equal((decimal)usage["totals"]!["cost"]!, (decimal)before["spent"]!);
        }

        await using var second = await RunningGateway.StartAsync(Database);
        var after = (await Chat.JsonAsync(await second.Admin.GetAsync("/admin/tenants/steady/budgets")))["budgets"]![0]!;

        Assert.Equal((decimal)before["spent"]!, (decimal)after["spent"]!);
        Assert.Equal(1m, (decimal)after["limit"]!);
    }

    private static StringContent JsonContent(string json) => new(json, System.Text.Encoding.UTF8, "application/json");
}
