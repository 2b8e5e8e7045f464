using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using ActorRelay.TestSupport;

namespace ActorRelay.Gateway.Tests.Infrastructure;

/// <summary>
/// The built gateway (<c>src/ActorRelay.Gateway/bin/&lt;configuration&gt;/net10.0/ActorRelay.Gateway.dll</c>) as a real
/// process started with <c>dotnet</c> and environment configuration, on 127.0.0.1, so that tests can SIGKILL or SIGTERM it.
/// </summary>
public sealed class GatewayProcess : IAsyncDisposable
{
    public const string DemoKey = "sk-ar-process-demo-key";
    public const string AdminKey = "process-admin-key";

    /// <summary>Tests that start gateway processes run one at a time, so a 2-core machine never hosts two clusters at once.</summary>
    public const string Collection = "gateway processes";

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private GatewayProcess(string name, Process process, int httpPort, int akkaPort)
    {
        Name = name;
        _process = process;
        BaseAddress = new Uri($"http://127.0.0.1:{httpPort}");
        AkkaAddress = $"akka.tcp://actorrelay@127.0.0.1:{akkaPort}";
        Client = NewClient(DemoKey);
        Admin = NewClient(AdminKey);
        process.OutputDataReceived += (_, line) => Keep(line.Data);
        process.ErrorDataReceived += (_, line) => Keep(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Name { get; }

    public Uri BaseAddress { get; }

    public string AkkaAddress { get; }

    public HttpClient Client { get; }

    public HttpClient Admin { get; }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>The last lines the process wrote, for failure messages.</summary>
    public string RecentOutput => string.Join('\n', _output.TakeLast(40));

    public static string RepositoryRoot
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "ActorRelay.sln")))
            {
                directory = directory.Parent;
            }

            return directory?.FullName ?? throw new InvalidOperationException("ActorRelay.sln not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>The gateway built in the same configuration as these tests (the solution build builds both).</summary>
    public static string GatewayDll
    {
        get
        {
            var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;
            var dll = Path.Combine(RepositoryRoot, "src", "ActorRelay.Gateway", "bin", configuration, "net10.0", "ActorRelay.Gateway.dll");
            return File.Exists(dll) ? dll : throw new InvalidOperationException($"Build the solution first: {dll} is missing.");
        }
    }

    /// <summary>Settings every test node shares: a PostgreSQL journal, the simulated vendor, test keys, a quick split-brain resolver.</summary>
    public static Dictionary<string, string> ClusterSettings(string journalConnection) => new()
    {
        ["Logging__LogLevel__Default"] = "Warning",
        ["Logging__LogLevel__ActorRelay.Gateway.Lifecycle"] = "Information",
        ["ActorRelay__Akka__Journal__Provider"] = "PostgreSql",
        ["ActorRelay__Akka__Journal__ConnectionString"] = journalConnection,
        ["ActorRelay__Akka__SplitBrain__StableAfterSeconds"] = "2",
        ["ActorRelay__Access__AdminKey"] = AdminKey,
        ["ActorRelay__Access__RefreshSeconds"] = "0.5",
        ["ActorRelay__Access__Demo__Enabled"] = "true",
        ["ActorRelay__Access__Demo__TenantId"] = "demo",
        ["ActorRelay__Access__Demo__Key"] = DemoKey,
        ["ActorRelay__Access__DefaultMaxOutputTokens"] = "64",
        ["ActorRelay__Prices__Version"] = "cluster-test",
        ["ActorRelay__Prices__Models__sim-small__InputPerMillion"] = "1000",
        ["ActorRelay__Prices__Models__sim-small__OutputPerMillion"] = "2000",
        ["SimulatedVendor__ApiKey"] = RunningGateway.VendorKey,
        ["SimulatedVendor__FirstTokenDelayMs"] = "0",
        ["SimulatedVendor__TokenDelayMs"] = "0",
        ["SimulatedVendor__ResponseTokens"] = "16",
        ["ActorRelay__Channels__ok__Type"] = "Simulated",
        ["ActorRelay__Channels__ok__ApiKey"] = RunningGateway.VendorKey,
        ["ActorRelay__Models__m-ok__Channel"] = "ok",
        ["ActorRelay__Models__m-ok__VendorModel"] = "sim-small",
        // 40 events, one every 75 ms: a stream of about 3 s.
        ["ActorRelay__Channels__paced__Type"] = "Simulated",
        ["ActorRelay__Channels__paced__ApiKey"] = RunningGateway.VendorKey,
        ["ActorRelay__Channels__paced__Headers__x-sim-tokens"] = "40",
        ["ActorRelay__Channels__paced__Headers__x-sim-token-delay-ms"] = "75",
        ["ActorRelay__Models__m-paced__Channel"] = "paced",
        ["ActorRelay__Models__m-paced__VendorModel"] = "sim-small",
        ["ActorRelay__Channels__endless__Type"] = "Simulated",
        ["ActorRelay__Channels__endless__ApiKey"] = RunningGateway.VendorKey,
        ["ActorRelay__Channels__endless__Headers__x-sim-tokens"] = "100000",
        ["ActorRelay__Channels__endless__Headers__x-sim-token-delay-ms"] = "50",
        ["ActorRelay__Models__m-endless__Channel"] = "endless",
        ["ActorRelay__Models__m-endless__VendorModel"] = "sim-small",
    };

    /// <summary>Starts a node; <paramref name="seed"/> null makes it the first node (it lists itself as the seed).</summary>
    public static GatewayProcess Start(string name, IReadOnlyDictionary<string, string> settings, string? seed, int? httpPort = null, int? akkaPort = null)
    {
        var http = httpPort ?? LoopbackPorts.Free();
        var akka = akkaPort ?? LoopbackPorts.Free();
        var start = new ProcessStartInfo("dotnet", $"\"{GatewayDll}\"")
        {
            WorkingDirectory = Path.GetDirectoryName(GatewayDll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in settings)
        {
            start.Environment[key] = value;
        }

        start.Environment["DOTNET_gcServer"] = "0";
        start.Environment["Urls"] = $"http://127.0.0.1:{http}";
        start.Environment["ActorRelay__Akka__Remote__HostName"] = "127.0.0.1";
        start.Environment["ActorRelay__Akka__Remote__Port"] = akka.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["ActorRelay__Akka__Cluster__SeedNodes__0"] = seed ?? $"akka.tcp://actorrelay@127.0.0.1:{akka}";
        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        return new GatewayProcess(name, process, http, akka);
    }

    public HttpClient NewClient(string key)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    /// <summary>Waits until <c>/readyz</c> answers 200 (the node is Up) and the demo key is known.</summary>
    public async Task WaitUntilReadyAsync(double seconds = 90)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(_process.HasExited, $"{Name} exited with {(_process.HasExited ? _process.ExitCode : 0)}:\n{RecentOutput}");
            try
            {
                using var ready = await Client.GetAsync("/readyz");
                using var models = await Client.GetAsync("/v1/models");
                if (ready.IsSuccessStatusCode && models.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(200);
        }

        Assert.Fail($"{Name} was not ready within {seconds} s:\n{RecentOutput}");
    }

    /// <summary>This node's <c>GET /admin/cluster</c>.</summary>
    public async Task<JsonNode> ClusterAsync()
    {
        using var response = await Admin.GetAsync("/admin/cluster");
        response.EnsureSuccessStatusCode();
        return await Chat.JsonAsync(response);
    }

    /// <summary>Addresses of members with the given status in this node's view.</summary>
    public async Task<List<string>> MembersAsync(string status = "up") =>
        (await ClusterAsync())["members"]!.AsArray()
            .Where(member => (string?)member!["status"] == status)
            .Select(member => (string)member!["address"]!)
            .ToList();

    /// <summary>Shard ids of a region that the given node hosts, in this node's view.</summary>
    public async Task<List<string>> ShardsAsync(string region, string nodeAddress)
    {
        var regions = (await ClusterAsync())["regions"]!.AsArray();
        var nodes = regions.Single(entry => (string?)entry!["region"] == region)!["nodes"]!.AsArray();
        var node = nodes.SingleOrDefault(entry => (string?)entry!["address"] == nodeAddress);
        return node is null ? [] : node["shards"]!.AsObject().Select(shard => shard.Key).ToList();
    }

    /// <summary>SIGTERM: the graceful path.</summary>
    public void Terminate()
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", $"-TERM {_process.Id}") { UseShellExecute = false })!;
        kill.WaitForExit();
    }

    /// <summary>SIGKILL: the node dies without a word.</summary>
    public void Kill() => _process.Kill();

    public async Task<int> WaitForExitAsync(double seconds)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"{Name} did not exit within {seconds} s:\n{RecentOutput}");
        }

        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        Admin.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        while (_output.Count > 200)
        {
            _output.TryDequeue(out _);
        }
    }
}
