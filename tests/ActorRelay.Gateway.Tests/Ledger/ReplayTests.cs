using System.Net;
using System.Text.Json.Nodes;
using ActorRelay.Actors.Hosting;
using ActorRelay.Cli;
using ActorRelay.Core.Reporting;
using ActorRelay.Gateway.Tests.Infrastructure;
using ActorRelay.TestSupport;
using Parquet;

namespace ActorRelay.Gateway.Tests.Ledger;

/// <summary>
/// The analyst's path: live traffic through the gateway, then the HTTP reports and the replay tool read the same
/// ledger from the journal and must agree with the live totals to the last decimal — on SQLite and on PostgreSQL.
/// </summary>
public sealed class ReplayTests : OwnJournal
{
    private readonly string _workspace = Directory.CreateTempSubdirectory("actorrelay-replay-").FullName;

    public override void Dispose()
    {
        Directory.Delete(_workspace, recursive: true);
        base.Dispose();
    }

    /// <summary>Traffic from two tenants (one with a tagged project), streamed and not; returns the live usage per tenant.</summary>
    private static async Task<Dictionary<string, JsonNode>> GenerateTrafficAsync(RunningGateway gateway)
    {
        await gateway.CreateTenantAsync("alpha", "search", new Dictionary<string, string> { ["team"] = "red" });
        await gateway.CreateTenantAsync("beta", tags: new Dictionary<string, string> { ["team"] = "blue" });
        var (alphaKey, _) = await gateway.IssueKeyAsync("alpha", "search");
        var (betaKey, _) = await gateway.IssueKeyAsync("beta");
        var clients = new Dictionary<string, HttpClient> { ["alpha"] = gateway.ClientWithKey(alphaKey), ["beta"] = gateway.ClientWithKey(betaKey) };
        var calls = new Dictionary<string, int> { ["alpha"] = 7, ["beta"] = 4 };
        foreach (var (tenant, count) in calls)
        {
            for (var i = 0; i < count; i++)
            {
                using var response = await clients[tenant].SendAsync(Chat.Request(i % 3 == 0 ? "m-ok" : "m-drop", $"{tenant} call {i} with some words", stream: i % 2 == 0));
                await response.Content.ReadAsStringAsync();
            }
        }

        var live = new Dictionary<string, JsonNode>();
        foreach (var (tenant, client) in clients)
        {
            live[tenant] = await Eventually.ReturnsAsync(() => Chat.UsageAsync(client), usage => (long)usage["totals"]!["requests"]! == calls[tenant], $"{tenant}'s calls are billed");
            client.Dispose();
        }

        return live;
    }

    private static decimal Cost(JsonNode usage) => (decimal)usage["totals"]!["cost"]!;

    [Fact]
    public async Task HttpReport_GroupedByTenantProjectTagAndDay_MatchesLiveTotals()
    {
        await using var gateway = await RunningGateway.StartAsync(Database);
        var live = await GenerateTrafficAsync(gateway);

        var report = await Chat.JsonAsync(await gateway.Admin.GetAsync("/admin/usage?group_by=tenant,project,tag:team,day&tenant=alpha"));
        var csv = await gateway.Admin.GetStringAsync("/admin/usage?group_by=tenant,model&format=csv");

        var row = Assert.Single(report["rows"]!.AsArray())!;
        Assert.Equal("alpha", (string?)row["keys"]!["tenant"]);
        Assert.Equal("search", (string?)row["keys"]!["project"]);
        Assert.Equal("red", (string?)row["keys"]!["tag:team"]);
        Assert.Equal(Cost(live["alpha"]), (decimal)row["cost"]!);
        Assert.Equal(7, (long)row["requests"]!);
        Assert.StartsWith("tenant,model,requests,input_tokens,output_tokens,cached_tokens,cost\n", csv);
        Assert.Contains("\nbeta,m-drop,", csv);
    }

    [Fact]
    public async Task Replay_FromSqliteJournal_EqualsLiveTotals_AndRepricingScalesThem()
    {
        Dictionary<string, JsonNode> live;
        await using (var gateway = await RunningGateway.StartAsync(Database))
        {
            live = await GenerateTrafficAsync(gateway);
        }

        var journal = new JournalOptions { Provider = JournalProvider.Sqlite, ConnectionString = $"Data Source={Database}" };
        var replayed = await ReplayAsync(new ReplayOptions { Journal = journal, Output = Path.Combine(_workspace, "ledger.csv") });

        Assert.Equal(11, replayed.Events);
        Assert.Equal(Cost(live["alpha"]) + Cost(live["beta"]), replayed.Totals.Cost);
        Assert.Equal(12, File.ReadAllLines(Path.Combine(_workspace, "ledger.csv")).Length);

        var doubled = Path.Combine(_workspace, "doubled.json");
        await File.WriteAllTextAsync(doubled, """{"ActorRelay":{"Prices":{"Version":"doubled","Models":{"sim-small":{"InputPerMillion":3,"OutputPerMillion":12}}}}}""");
        var repriced = await ReplayAsync(new ReplayOptions { Journal = journal, PricesFile = doubled, Output = Path.Combine(_workspace, "repriced.csv") });

        Assert.Equal(2 * replayed.Totals.Cost, repriced.Totals.Cost);
        Assert.Equal("doubled", repriced.PriceVersion);
        Assert.Equal(0, repriced.Unpriced);
        Assert.All(File.ReadAllLines(Path.Combine(_workspace, "repriced.csv")).Skip(1), line => Assert.Contains(",doubled,", line));
    }

    /// <summary>
    /// A rolling upgrade: nodes first write the cost batches as v1 (which older nodes read), then in the compact form.
    /// The usage the upgraded node recovers, and the replay, cover the calls of both.
    /// </summary>
    [Fact]
    public async Task Replay_OfAJournalWrittenInBothBatchForms_EqualsLiveTotals()
    {
        Dictionary<string, JsonNode> live;
        await using (var upgrading = await RunningGateway.StartAsync(Database, overrides: new Dictionary<string, string?> { ["ActorRelay:Akka:Journal:CompactCostBatches"] = "false" }))
        {
            live = await GenerateTrafficAsync(upgrading);
        }

        JsonNode alphaAfter;
        await using (var upgraded = await RunningGateway.StartAsync(Database))
        {
            var (alphaKey, _) = await upgraded.IssueKeyAsync("alpha", "search");
            using var alpha = upgraded.ClientWithKey(alphaKey);
            for (var i = 0; i < 3; i++)
            {
                using var response = await alpha.SendAsync(Chat.Request("m-ok", $"alpha call {i} after the upgrade", stream: i == 0));
                await response.Content.ReadAsStringAsync();
            }

            alphaAfter = await Eventually.ReturnsAsync(() => Chat.UsageAsync(alpha), usage => (long)usage["totals"]!["requests"]! == 10, "the calls before and after the upgrade are billed");
        }

        var replayed = await ReplayAsync(new ReplayOptions
        {
            Journal = new JournalOptions { ConnectionString = $"Data Source={Database}" },
            Output = Path.Combine(_workspace, "both.csv"),
        });

        Assert.Equal(["CostsRecorded.v1", "CostsRecorded.v2"], await CostManifestsAsync());
        Assert.True(Cost(alphaAfter) > Cost(live["alpha"]));
        Assert.Equal(14, replayed.Events);
        Assert.Equal(Cost(alphaAfter) + Cost(live["beta"]), replayed.Totals.Cost);
    }

    private async Task<List<string>> CostManifestsAsync()
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Database}");
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var query = connection.CreateCommand();
        query.CommandText = "SELECT DISTINCT manifest FROM journal WHERE manifest LIKE 'CostsRecorded.%' ORDER BY manifest";
        var manifests = new List<string>();
        await using var rows = await query.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        while (await rows.ReadAsync(TestContext.Current.CancellationToken))
        {
            manifests.Add(rows.GetString(0));
        }

        return manifests;
    }

    [Fact]
    public async Task Replay_ToParquetGroupedByTenant_WritesTheSameTotals()
    {
        Dictionary<string, JsonNode> live;
        await using (var gateway = await RunningGateway.StartAsync(Database))
        {
            live = await GenerateTrafficAsync(gateway);
        }

        var output = Path.Combine(_workspace, "by-tenant.parquet");
        Assert.True(UsageDimension.TryParseList("tenant", out var byTenant, out _));
        await ReplayAsync(new ReplayOptions
        {
            Journal = new JournalOptions { ConnectionString = $"Data Source={Database}" },
            GroupBy = byTenant,
            Format = ReplayFormat.Parquet,
            Output = output,
        });

        await using var file = File.OpenRead(output);
        await using var reader = await ParquetReader.CreateAsync(file, cancellationToken: TestContext.Current.CancellationToken);
        var fields = reader.Schema.GetDataFields();
        using var group = reader.OpenRowGroupReader(0);
        var tenants = new string?[group.RowCount];
        var costs = new decimal[group.RowCount];
        await group.ReadAsync(fields.Single(field => field.Name == "tenant"), tenants.AsMemory(), cancellationToken: TestContext.Current.CancellationToken);
        await group.ReadAsync<decimal>(fields.Single(field => field.Name == "cost"), costs.AsMemory(), cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(["alpha", "beta"], tenants.Select(tenant => tenant!));
        Assert.Equal(Cost(live["alpha"]), costs[0]);
        Assert.Equal(Cost(live["beta"]), costs[1]);
    }

    [Fact]
    public async Task PostgreSqlJournal_UsageSurvivesRestart_AndReplayEqualsLive()
    {
        var connection = await PostgresServer.CreateDatabaseAsync();
        var postgres = new Dictionary<string, string?>
        {
            ["ActorRelay:Akka:Journal:Provider"] = "PostgreSql",
            ["ActorRelay:Akka:Journal:ConnectionString"] = connection,
        };
        Dictionary<string, JsonNode> live;
        await using (var first = await RunningGateway.StartAsync(overrides: postgres))
        {
            live = await GenerateTrafficAsync(first);
        }

        await using (var second = await RunningGateway.StartAsync(overrides: postgres))
        {
            var (alphaKey, _) = await second.IssueKeyAsync("alpha", "search");
            using var alpha = second.ClientWithKey(alphaKey);
            var after = await Chat.UsageAsync(alpha);
            Assert.Equal(live["alpha"].ToJsonString(), after.ToJsonString());
            using var budget = await second.Admin.GetAsync("/admin/tenants/alpha/budgets");
            Assert.Equal(HttpStatusCode.OK, budget.StatusCode);
        }

        var replayed = await ReplayAsync(new ReplayOptions
        {
            Journal = new JournalOptions { Provider = JournalProvider.PostgreSql, ConnectionString = connection },
            Output = Path.Combine(_workspace, "pg.csv"),
        });
        Assert.Equal(Cost(live["alpha"]) + Cost(live["beta"]), replayed.Totals.Cost);
        Assert.Equal(11, replayed.Totals.Requests);
    }

    [Theory]
    [InlineData("replay --group-by tenant,nonsense")]
    [InlineData("replay --format parquet")]
    [InlineData("export")]
    [InlineData("replay --provider oracle --out x.csv")]
    [InlineData("replay --tenant")]
    public void ParseOptions_BadCommandLine_IsRefusedWithAReason(string commandLine)
    {
        Assert.False(ReplayOptions.TryParse(commandLine.Split(' '), out _, out var error));
        Assert.False(string.IsNullOrWhiteSpace(error));
    }

    private static async Task<ReplayResult> ReplayAsync(ReplayOptions options)
    {
        using var progress = new StringWriter();
        var result = await LedgerReplay.RunAsync(options with { ShowProgress = true }, TextWriter.Null, progress, TestContext.Current.CancellationToken);
        Assert.Contains("events", progress.ToString());
        return result;
    }
}
