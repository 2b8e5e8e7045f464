using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using ActorRelay.Actors.Hosting;
using ActorRelay.Actors.Ledger;
using ActorRelay.Cli;
using ActorRelay.Core.Reporting;
using ActorRelay.Gateway.Tests.Infrastructure;
using ActorRelay.TestSupport;

namespace ActorRelay.Gateway.Tests.Cluster;

/// <summary>
/// Several gateway processes (the built dll started with <c>dotnet</c>) on 127.0.0.1 and one real PostgreSQL journal:
/// nodes join, shards rebalance to new nodes, SIGTERM drains and leaves, SIGKILL under load loses nothing a client saw
/// complete. Generous timeouts and polling throughout: the machine may be a loaded 2-core box.
/// </summary>
[Collection(GatewayProcess.Collection)]
public sealed class ClusterProcessTests(ITestOutputHelper output)
{
    private const string Ledger = TenantLedgerActorHostingExtensions.RegionName;

    [Fact]
    public async Task ThreeNodes_JoinRebalanceAndLeaveGracefully()
    {
        var settings = GatewayProcess.ClusterSettings(await PostgresServer.CreateDatabaseAsync());
        await using var first = GatewayProcess.Start("node1", settings, seed: null);
        await first.WaitUntilReadyAsync();

        // Twelve tenants' ledgers, all on the only node.
        var tenants = Enumerable.Range(0, 12).Select(i => $"rb{i}").ToList();
        foreach (var tenant in tenants)
        {
            await CreateTenantAsync(first, tenant);
        }

        await TouchLedgersAsync(first, tenants);
        Assert.True((await first.ShardsAsync(Ledger, first.AkkaAddress)).Count >= 6);

        var joining = Stopwatch.StartNew();
        await using var second = GatewayProcess.Start("node2", settings, first.AkkaAddress);
        await using var third = GatewayProcess.Start("node3", new Dictionary<string, string>(settings)
        {
            ["ActorRelay__Shutdown__DrainTimeoutSeconds"] = "1",
        }, first.AkkaAddress);
        await second.WaitUntilReadyAsync();
        await third.WaitUntilReadyAsync();
        await Eventually.ReturnsAsync(() => first.MembersAsync(), members => members.Count == 3, "three members are up", 60);
        output.WriteLine($"two nodes joined in {joining.Elapsed.TotalSeconds:0.0} s (both processes started together)");

        // The coordinator rebalances ledger shards to the new nodes; touching the ledgers starts handed-off shards there.
        var rebalancing = Stopwatch.StartNew();
        foreach (var node in new[] { second, third })
        {
            await Eventually.ReturnsAsync(async () =>
            {
                await TouchLedgersAsync(first, tenants);
                return (await first.ShardsAsync(Ledger, node.AkkaAddress)).Count;
            }, count => count > 0, $"{node.Name} hosts ledger shards after rebalancing", 90);
        }

        output.WriteLine($"ledger shards rebalanced onto both new nodes in {rebalancing.Elapsed.TotalSeconds:0.0} s");

        // Graceful leave with a stream in flight: readiness goes false, the stream completes, the node exits 0.
        using var paced = await second.Client.SendAsync(Chat.Request("m-paced", "drain me", stream: true), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, paced.StatusCode);
        using var pacedReader = new StreamReader(await paced.Content.ReadAsStreamAsync());
        Assert.StartsWith("data: ", await pacedReader.ReadLineAsync());
        var leaving = Stopwatch.StartNew();
        second.Terminate();
        await Eventually.ReturnsAsync(() => ReadinessAsync(second), status => status != HttpStatusCode.OK, "node2 stops being ready", 15);
        var rest = await pacedReader.ReadToEndAsync();
        Assert.Contains("data: [DONE]", rest);
        Assert.DoesNotContain("\"error\"", rest);
        Assert.Equal(0, await second.WaitForExitAsync(90));
        output.WriteLine($"node2 drained its stream and exited {leaving.Elapsed.TotalSeconds:0.0} s after SIGTERM");
        await Eventually.ReturnsAsync(() => first.MembersAsync(), members => !members.Contains(second.AkkaAddress) && members.Count == 2, "node2 left the cluster", 60);

        // A stream longer than node3's 1 s drain timeout is ended cleanly with an SSE error event, and the node exits 0.
        using var endless = await third.Client.SendAsync(Chat.Request("m-endless", "cut me", stream: true), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, endless.StatusCode);
        using var endlessReader = new StreamReader(await endless.Content.ReadAsStreamAsync());
        Assert.StartsWith("data: ", await endlessReader.ReadLineAsync());
        third.Terminate();
        var cut = await endlessReader.ReadToEndAsync();
        Assert.Contains("\"code\":\"server_shutting_down\"", cut);
        Assert.DoesNotContain("data: [DONE]", cut);
        Assert.Equal(0, await third.WaitForExitAsync(90));
        await Eventually.ReturnsAsync(() => first.MembersAsync(), members => members.Count == 1, "node3 left the cluster", 60);

        // Every ledger is served by the last node; both streams were billed once.
        await TouchLedgersAsync(first, tenants);
        Assert.Equal(tenants.Count, (await TouchLedgersAsync(first, tenants)));
        var usage = await Eventually.ReturnsAsync(() => Chat.UsageAsync(first.Client), body => (long)body["totals"]!["requests"]! == 2, "both streams are billed", 60);
        Assert.Equal(2, (long)usage["totals"]!["requests"]!);
    }

    [Fact]
    public async Task NodeKilledUnderLoad_ShardsRestartElsewhere_LedgerBudgetsAndRateLimitsHold()
    {
        const int requestsPerMinute = 60;
        const decimal budget = 1.5m;
        const int workers = 6;
        var journal = await PostgresServer.CreateDatabaseAsync();
        var settings = new Dictionary<string, string>(GatewayProcess.ClusterSettings(journal))
        {
            ["ActorRelay__RateLimits__DefaultTenant__RequestsPerMinute"] = requestsPerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        await using var first = GatewayProcess.Start("node1", settings, seed: null);
        await first.WaitUntilReadyAsync();
        await using var second = GatewayProcess.Start("node2", settings, first.AkkaAddress);
        await using var victim = GatewayProcess.Start("node3", settings, first.AkkaAddress);
        await second.WaitUntilReadyAsync();
        await victim.WaitUntilReadyAsync();
        await Eventually.ReturnsAsync(() => first.MembersAsync(), members => members.Count == 3, "three members are up", 60);

        var tenants = Enumerable.Range(0, 9).Select(i => $"kl{i}").ToList();
        var keys = new Dictionary<string, string>();
        foreach (var tenant in tenants)
        {
            keys[tenant] = await CreateTenantAsync(first, tenant);
        }

        var capped = tenants.Where((_, i) => i % 3 == 0).ToList();
        foreach (var tenant in capped)
        {
            using var set = await first.Admin.PutAsJsonAsync($"/admin/tenants/{tenant}/budget", new { limit = budget, period = "monthly", mode = "hard" });
            Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        }

        // Wait until the victim hosts ledger shards, so that the kill moves some.
        var extractor = new LedgerMessageExtractor();
        var onVictim = await Eventually.ReturnsAsync(async () =>
        {
            await TouchLedgersAsync(first, tenants);
            var shards = await first.ShardsAsync(Ledger, victim.AkkaAddress);
            return tenants.Where(tenant => shards.Contains(extractor.ShardId(tenant, null))).ToList();
        }, moved => moved.Count > 0, "node3 hosts a ledger", 90);
        output.WriteLine($"tenants whose ledgers live on node3: {string.Join(", ", onVictim)}");
        await Eventually.ReturnsAsync(async () =>
        {
            foreach (var key in keys.Values)
            {
                using var client = second.NewClient(key);
                using var models = await client.GetAsync("/v1/models");
                if (!models.IsSuccessStatusCode)
                {
                    return false;
                }
            }

            return true;
        }, known => known, "node2 knows every key", 30);

        // Load on the two surviving nodes, round-robin over tenants; node3 is killed a few seconds in.
        var outcomes = new ConcurrentBag<Outcome>();
        var clock = Stopwatch.StartNew();
        var killedAt = TimeSpan.Zero;
        using var stop = new CancellationTokenSource();
        var clients = tenants.ToDictionary(tenant => tenant, tenant => new[] { first.NewClient(keys[tenant]), second.NewClient(keys[tenant]) });
        var load = Enumerable.Range(0, workers).Select(worker => Task.Run(async () =>
        {
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                var tenant = tenants[(n * workers + worker) % tenants.Count];
                var client = clients[tenant][(n + worker) % 2];
                string? requestId = null;
                var started = clock.Elapsed;
                var status = 0;
                var complete = false;
                try
                {
                    using var response = await client.SendAsync(Chat.Request("m-ok", $"load {worker}/{n}"));
                    requestId = response.Headers.TryGetValues("x-request-id", out var ids) ? ids.Single() : null;
                    var body = await response.Content.ReadAsStringAsync();
                    status = (int)response.StatusCode;
                    complete = response.StatusCode == HttpStatusCode.OK && body.Contains("\"choices\"", StringComparison.Ordinal);
                }
                catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
                {
                    status = -1;
                }

                outcomes.Add(new Outcome(tenant, requestId, status, complete, started, clock.Elapsed));
            }
        })).ToList();

        await Eventually.TrueAsync(() => outcomes.Count(outcome => outcome.Complete) >= 60, "the load is running", 60);
        killedAt = clock.Elapsed;
        victim.Kill();
        await victim.WaitForExitAsync(30);

        // Recovered: once the dead node is out of the cluster (its shards can then move), every tenant answered (a
        // success, or a rate-limit or budget refusal). Calls the nodes admit from their leases go on meanwhile, so
        // answers right after the kill alone do not say that the dead node's entities came back.
        await Eventually.ReturnsAsync(() => first.MembersAsync(), members => members.Count == 2, "the killed node is removed", 90);
        var removedAt = clock.Elapsed;
        var recovered = await Eventually.ReturnsAsync(() => Task.FromResult(tenants.All(tenant => outcomes.Any(outcome =>
                outcome.Tenant == tenant && outcome.Started > removedAt && outcome.Status is 200 or 429))),
            all => all, "every tenant is served again after the kill", 90);
        Assert.True(recovered);
        var failover = clock.Elapsed - killedAt;
        await Task.Delay(TimeSpan.FromSeconds(2));
        await stop.CancelAsync();
        await Task.WhenAll(load);
        foreach (var pair in clients.Values.SelectMany(pair => pair))
        {
            pair.Dispose();
        }

        var all = outcomes.ToList();
        var duringFailover = all.Where(outcome => outcome.Finished > killedAt && outcome.Finished <= killedAt + failover).ToList();
        output.WriteLine($"failover after SIGKILL: {failover.TotalSeconds:0.0} s; during it {duringFailover.Count} answers " +
                         $"({duringFailover.Count / Math.Max(failover.TotalSeconds, 0.001):0.0}/s), {duringFailover.Count(outcome => outcome.Complete)} complete; " +
                         $"whole run {all.Count} answers, {all.Count(outcome => outcome.Complete)} complete in {clock.Elapsed.TotalSeconds:0.0} s; " +
                         $"statuses {string.Join(", ", all.GroupBy(outcome => outcome.Status).OrderBy(group => group.Key).Select(group => $"{group.Key}: {group.Count()}"))}");

        // Requests on the surviving nodes keep succeeding: after recovery every tenant with budget left completes calls.
        Assert.Contains(all, outcome => outcome.Complete && outcome.Started > killedAt + failover);

        // Every response a client saw complete is exactly one ledger event; no request id is billed twice.
        var completed = all.Where(outcome => outcome.Complete).Select(outcome => outcome.RequestId!).ToHashSet();
        var billed = await Eventually.ReturnsAsync(() => LedgerRequestIdsAsync(journal), ids => completed.All(id => ids.ContainsKey(id)),
            "every completed response is in the ledger", 90);
        Assert.All(completed, id => Assert.Equal(1, billed[id]));
        Assert.All(billed, entry => Assert.Equal(1, entry.Value));

        // A hard budget is overspent by no more than the reservations it may have forgotten when its ledger moved:
        // at most one in-flight call per worker, each reserving at most MaxReservation.
        foreach (var tenant in capped)
        {
            using var response = await first.Admin.GetAsync($"/admin/tenants/{tenant}/budgets");
            var spent = (decimal)(await Chat.JsonAsync(response))["budgets"]![0]!["spent"]!;
            output.WriteLine($"{tenant}: spent {spent} of a hard budget of {budget}");
            Assert.True(spent <= budget + workers * MaxReservation, $"{tenant} spent {spent} of {budget}");
        }

        // Rate limits stay within one bucket's worth: the bucket, its refill over the run, and one fresh bucket if it moved.
        var minutes = (decimal)clock.Elapsed.TotalMinutes;
        foreach (var tenant in tenants.Except(capped))
        {
            var admitted = all.Count(outcome => outcome.Tenant == tenant && outcome.Status == 200);
            Assert.True(admitted <= requestsPerMinute * 2 + requestsPerMinute * minutes + 1, $"{tenant}: {admitted} calls admitted at {requestsPerMinute}/min in {minutes:0.00} min");
        }
    }

    /// <summary>
    /// The most a call can reserve: every byte of its body as an input token (the body is under 300 bytes) plus the
    /// default 64 output tokens, at the test prices (1000 and 2000 per million tokens).
    /// </summary>
    private const decimal MaxReservation = 300 * 1000m / 1_000_000 + 64 * 2000m / 1_000_000;

    private sealed record Outcome(string Tenant, string? RequestId, int Status, bool Complete, TimeSpan Started, TimeSpan Finished);

    private static async Task<string> CreateTenantAsync(GatewayProcess node, string tenant)
    {
        using var created = await node.Admin.PostAsJsonAsync("/admin/tenants", new { id = tenant, name = tenant });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var issued = await node.Admin.PostAsJsonAsync("/admin/keys", new { tenant });
        Assert.Equal(HttpStatusCode.Created, issued.StatusCode);
        return (string)(await Chat.JsonAsync(issued))["key"]!;
    }

    /// <summary>Asks every tenant's ledger for its budgets (which starts the entity); returns how many answered.</summary>
    private static async Task<int> TouchLedgersAsync(GatewayProcess node, IEnumerable<string> tenants)
    {
        var answers = await Task.WhenAll(tenants.Select(async tenant =>
        {
            try
            {
                using var response = await node.Admin.GetAsync($"/admin/tenants/{tenant}/budgets");
                return response.IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }));
        return answers.Count(answered => answered);
    }

    private static async Task<HttpStatusCode> ReadinessAsync(GatewayProcess node)
    {
        try
        {
            using var response = await node.Client.GetAsync("/readyz");
            return response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return HttpStatusCode.ServiceUnavailable;
        }
    }

    /// <summary>Request id → number of ledger events, read from the PostgreSQL journal by the replay tool.</summary>
    private static async Task<Dictionary<string, int>> LedgerRequestIdsAsync(string journal)
    {
        var file = Path.Combine(Path.GetTempPath(), $"actorrelay-ledger-{Guid.NewGuid():N}.csv");
        try
        {
            await LedgerReplay.RunAsync(
                new ReplayOptions { Journal = new JournalOptions { Provider = JournalProvider.PostgreSql, ConnectionString = journal }, Output = file },
                TextWriter.Null, TextWriter.Null, TestContext.Current.CancellationToken);
            var lines = await File.ReadAllLinesAsync(file);
            Assert.Equal(LedgerCsv.EventHeader, lines[0]);
            return lines.Skip(1).Where(line => line.Length > 0).GroupBy(line => line[..line.IndexOf(',', StringComparison.Ordinal)])
                .ToDictionary(group => group.Key, group => group.Count());
        }
        finally
        {
            File.Delete(file);
        }
    }
}
