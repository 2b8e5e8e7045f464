using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ActorRelay.Actors.Hosting;
using ActorRelay.Gateway.Options;
using ActorRelay.Gateway.Tests.Infrastructure;
using ActorRelay.TestSupport;
using Microsoft.Extensions.Configuration;
using YamlDotNet.RepresentationModel;

namespace ActorRelay.Gateway.Tests.Cluster;

/// <summary>
/// cluster-config/ is checked without Docker or Kubernetes (neither runs here): the compose file and the manifests parse,
/// every <c>ActorRelay__*</c> key they set binds to a real option, the shutdown grace covers the drain, the dashboard
/// queries only metrics the gateway exports. The local three-node script is started and exercised for real.
/// </summary>
[Collection(GatewayProcess.Collection)]
public sealed partial class ClusterConfigTests(ITestOutputHelper output)
{
    private static readonly string ConfigRoot = Path.Combine(GatewayProcess.RepositoryRoot, "cluster-config");

    [Fact]
    public void DockerCompose_ParsesAndSetsOnlyRealOptions()
    {
        var compose = (YamlMappingNode)Load(Path.Combine(ConfigRoot, "docker", "docker-compose.yml")).Single();
        var services = (YamlMappingNode)compose["services"];
        Assert.Equal(["node1", "node2", "node3", "postgres"], services.Children.Keys.Select(key => key.ToString()).Order());
        var nodeEnvironment = (YamlMappingNode)((YamlMappingNode)compose["x-node"])["environment"];
        var settings = nodeEnvironment.Children.ToDictionary(pair => pair.Key.ToString(), pair => pair.Value.ToString());
        settings["ActorRelay__Akka__Remote__HostName"] = "node1";
        var options = BindChecked(settings);
        Assert.Equal(JournalProvider.PostgreSql, options.Akka.Journal.Provider);
        Assert.Equal(2, options.Akka.Cluster.SeedNodes!.Length);
        var grace = ParseSeconds(((YamlMappingNode)compose["x-node"])["stop_grace_period"].ToString());
        Assert.True(grace >= options.Shutdown.DrainTimeoutSeconds + options.Shutdown.LeaveTimeoutSeconds, $"stop_grace_period {grace} s is shorter than drain + leave");
    }

    [Fact]
    public void KubernetesManifests_ParseAndBootstrapThroughTheKubernetesApi()
    {
        var documents = Load(Path.Combine(ConfigRoot, "kubernetes", "actorrelay.yaml")).Cast<YamlMappingNode>().ToList();
        Assert.Contains(documents, document => document["kind"].ToString() == "Role");
        var deployment = documents.Single(document => document["kind"].ToString() == "Deployment");
        var pod = (YamlMappingNode)((YamlMappingNode)((YamlMappingNode)deployment["spec"])["template"])["spec"];
        var container = (YamlMappingNode)((YamlSequenceNode)pod["containers"]).Single();
        var settings = ((YamlSequenceNode)container["env"]).Cast<YamlMappingNode>()
            .Where(variable => variable["name"].ToString().StartsWith("ActorRelay__", StringComparison.Ordinal))
            .ToDictionary(variable => variable["name"].ToString(), variable => variable.Children.TryGetValue("value", out var value) ? value.ToString() : "from-secret");
        settings["ActorRelay__Akka__Remote__HostName"] = "10.0.0.5";
        var options = BindChecked(settings);
        Assert.Equal(ClusterFormation.Kubernetes, options.Akka.Discovery.Method);

        var ports = ((YamlSequenceNode)container["ports"]).Cast<YamlMappingNode>().ToDictionary(port => port["name"].ToString(), port => int.Parse(port["containerPort"].ToString(), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(options.Akka.Discovery.ManagementPort, ports["management"]);
        Assert.Equal("/readyz", ((YamlMappingNode)((YamlMappingNode)container["readinessProbe"])["httpGet"])["path"].ToString());
        var preStop = ((YamlSequenceNode)((YamlMappingNode)((YamlMappingNode)((YamlMappingNode)container["lifecycle"])["preStop"])["exec"])["command"]).Last().ToString();
        var grace = double.Parse(pod["terminationGracePeriodSeconds"].ToString(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(grace >= double.Parse(preStop, System.Globalization.CultureInfo.InvariantCulture) + options.Shutdown.DrainTimeoutSeconds + options.Shutdown.LeaveTimeoutSeconds,
            $"terminationGracePeriodSeconds {grace} is shorter than preStop + drain + leave");
    }

    [Fact]
    public void LocalEnvFiles_SetOnlyRealOptions()
    {
        foreach (var file in Directory.GetFiles(Path.Combine(ConfigRoot, "local"), "node*.env"))
        {
            var settings = File.ReadAllLines(file).Where(line => line.StartsWith("ActorRelay__", StringComparison.Ordinal))
                .Select(line => line.Split('=', 2)).ToDictionary(pair => pair[0], pair => pair[1]);
            Assert.Equal(JournalProvider.PostgreSql, BindChecked(settings).Akka.Journal.Provider);
        }
    }

    [Fact]
    public void GrafanaDashboard_QueriesOnlyExportedMetrics()
    {
        var exported = MetricName().Matches(File.ReadAllText(Path.Combine(GatewayProcess.RepositoryRoot, "src", "ActorRelay.Gateway", "Observability", "GatewayMetrics.cs")))
            .Select(match => match.Value.Trim('"')).ToHashSet();
        var dashboard = JsonNode.Parse(File.ReadAllText(Path.Combine(ConfigRoot, "grafana", "actorrelay-dashboard.json")))!;
        var queried = dashboard["panels"]!.AsArray()
            .SelectMany(panel => panel!["targets"]!.AsArray())
            .SelectMany(target => MetricName().Matches((string)target!["expr"]!).Select(match => Regex.Replace(match.Value, "_(bucket|sum|count)$", "")))
            .ToHashSet();
        Assert.NotEmpty(queried);
        Assert.Empty(queried.Except(exported));
        Assert.Empty(exported.Except(queried));
    }

    [Fact]
    public async Task LocalClusterScript_StartsThreeNodes_ServesThroughEach_AndStopsGracefully()
    {
        var state = Path.Combine(Path.GetTempPath(), "actorrelay-local-" + Guid.NewGuid().ToString("N")[..8]);
        int[] http = [LoopbackPorts.Free(), LoopbackPorts.Free(), LoopbackPorts.Free()];
        int[] akka = [LoopbackPorts.Free(), LoopbackPorts.Free(), LoopbackPorts.Free()];
        var environment = new Dictionary<string, string>
        {
            ["ACTORRELAY_PG"] = await PostgresServer.CreateDatabaseAsync(),
            ["ACTORRELAY_HTTP_PORTS"] = string.Join(' ', http),
            ["ACTORRELAY_AKKA_PORTS"] = string.Join(' ', akka),
            ["ACTORRELAY_GATEWAY_DLL"] = GatewayProcess.GatewayDll,
            ["ACTORRELAY_CLUSTER_DIR"] = state,
            ["ACTORRELAY_ADMIN_KEY"] = GatewayProcess.AdminKey,
        };
        try
        {
            var started = await ScriptAsync("start", environment);
            output.WriteLine(started);
            Assert.Contains("three nodes up", started);

            var nodes = http.Select(port => new Uri($"http://127.0.0.1:{port}")).ToList();
            using var admin = new HttpClient { BaseAddress = nodes[0], Timeout = TimeSpan.FromSeconds(60) };
            admin.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", GatewayProcess.AdminKey);
            using (var tenant = await admin.PostAsJsonAsync("/admin/tenants", new { id = "local", name = "local" }))
            {
                Assert.Equal(HttpStatusCode.Created, tenant.StatusCode);
            }

            using var issued = await admin.PostAsJsonAsync("/admin/keys", new { tenant = "local" });
            var key = (string)(await Chat.JsonAsync(issued))["key"]!;
            foreach (var node in nodes)
            {
                using var client = new HttpClient { BaseAddress = node, Timeout = TimeSpan.FromSeconds(60) };
                client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
                var status = await Eventually.ReturnsAsync(async () =>
                {
                    using var response = await client.SendAsync(Chat.Request("gpt-4o-mini", $"via {node}"));
                    return response.StatusCode;
                }, code => code == HttpStatusCode.OK, $"{node} serves the new key", 30);
                Assert.Equal(HttpStatusCode.OK, status);
            }

            var view = await Chat.JsonAsync(await admin.GetAsync("/admin/cluster"));
            Assert.Equal(3, view["members"]!.AsArray().Count(member => (string?)member!["status"] == "up"));
            using var usage = new HttpClient { BaseAddress = nodes[2] };
            usage.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
            await Eventually.ReturnsAsync(() => Chat.UsageAsync(usage), body => (long)body["totals"]!["requests"]! == 3, "three calls in one ledger", 30);
        }
        finally
        {
            Assert.Contains("stopped", await ScriptAsync("stop", environment));
            Directory.Delete(state, recursive: true);
        }

        foreach (var port in http)
        {
            using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            await Assert.ThrowsAsync<HttpRequestException>(() => probe.GetAsync($"http://127.0.0.1:{port}/healthz"));
        }
    }

    private static async Task<string> ScriptAsync(string command, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("bash", $"\"{Path.Combine(ConfigRoot, "local", "cluster.sh")}\" {command}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"cluster.sh {command} failed ({process.ExitCode}): {await stdout}{await stderr}");
        return await stdout;
    }

    private sealed record BoundOptions(ActorRelayAkkaOptions Akka, ShutdownOptions Shutdown);

    /// <summary>Binds environment-style settings the way the gateway does, failing on any key no option reads.</summary>
    private static BoundOptions BindChecked(IReadOnlyDictionary<string, string> settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(pair => new KeyValuePair<string, string?>(pair.Key.Replace("__", ":", StringComparison.Ordinal), pair.Value)))
            .Build();
        static void Strict(BinderOptions binder) => binder.ErrorOnUnknownConfiguration = true;
        var known = new[] { "Akka", "Shutdown", "Access" };
        Assert.Empty(configuration.GetSection("ActorRelay").GetChildren().Select(child => child.Key).Except(known));
        configuration.GetSection("ActorRelay:Access").Get<AccessOptions>(Strict);
        return new BoundOptions(
            configuration.GetSection(ActorRelayAkkaOptions.SectionName).Get<ActorRelayAkkaOptions>(Strict)!,
            configuration.GetSection("ActorRelay:Shutdown").Get<ShutdownOptions>(Strict) ?? new ShutdownOptions());
    }

    private static List<YamlNode> Load(string path)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(path);
        stream.Load(reader);
        return stream.Documents.Select(document => document.RootNode).ToList();
    }

    private static double ParseSeconds(string duration) =>
        double.Parse(duration.TrimEnd('s'), System.Globalization.CultureInfo.InvariantCulture);

    [GeneratedRegex("\"?actorrelay_[a-z_]+\"?")]
    private static partial Regex MetricName();
}
