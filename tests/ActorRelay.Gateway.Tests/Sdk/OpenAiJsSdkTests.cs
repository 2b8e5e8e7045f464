using System.Diagnostics;
using System.Text.Json.Nodes;
using ActorRelay.Gateway.Tests.Infrastructure;

namespace ActorRelay.Gateway.Tests.Sdk;

/// <summary>
/// The official OpenAI JavaScript SDK (pinned in <c>Sdk/js/package.json</c>, installed from the npm registry on
/// first run), unchanged, against the gateway: non-stream, stream with usage, model listing, and an API error.
/// Needs Node.js and npm on the machine.
/// </summary>
public sealed class OpenAiJsSdkTests(SharedGateway shared)
{
    private static readonly string ScriptFolder = Path.Combine(GatewayProcess.RepositoryRoot, "tests", "ActorRelay.Gateway.Tests", "Sdk", "js");
    private static readonly SemaphoreSlim InstallOnce = new(1, 1);

    [Fact]
    public async Task OfficialJavaScriptSdk_WorksUnchanged()
    {
        await EnsureInstalledAsync();
        var marker = $"js-{Guid.NewGuid():N}";

        var (exitCode, output, error) = await RunAsync("node", "sdk-check.mjs", new Dictionary<string, string>
        {
            ["BASE_URL"] = new Uri(shared.Gateway.BaseAddress, "v1").ToString(),
            ["API_KEY"] = RunningGateway.DemoKey,
            ["MODEL"] = "m-ok",
            ["MARKER"] = marker,
        });

        Assert.True(exitCode == 0, $"node exited {exitCode}: {error}");
        var seen = JsonNode.Parse(output.Trim().Split('\n')[^1])!;
        Assert.Contains($"{marker} non-stream", (string?)seen["content"]);
        Assert.Equal("stop", (string?)seen["finish"]);
        Assert.Contains($"{marker} stream", (string?)seen["streamed"]);
        Assert.True((int)seen["outputTokens"]! > 0);
        Assert.Contains(seen["models"]!.AsArray(), model => (string?)model == "m-ok");
        Assert.Equal(404, (int)seen["notFound"]!["status"]!);
        Assert.Equal("model_not_found", (string?)seen["notFound"]!["code"]);
    }

    private static async Task EnsureInstalledAsync()
    {
        await InstallOnce.WaitAsync();
        try
        {
            if (!Directory.Exists(Path.Combine(ScriptFolder, "node_modules", "openai")))
            {
                var (exitCode, _, error) = await RunAsync("npm", "install --no-audit --no-fund --no-save", new Dictionary<string, string>());
                Assert.True(exitCode == 0, $"npm install failed ({exitCode}): {error}");
            }
        }
        finally
        {
            InstallOnce.Release();
        }
    }

    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(string file, string arguments, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(file, arguments)
        {
            WorkingDirectory = ScriptFolder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {file}: is Node.js installed?");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }
}
