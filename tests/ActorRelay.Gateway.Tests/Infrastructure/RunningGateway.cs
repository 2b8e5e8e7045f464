using System.Net;
using ActorRelay.Actors.Hosting;
using ActorRelay.Gateway.Simulated;
using ActorRelay.SimulatedVendor;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace ActorRelay.Gateway.Tests.Infrastructure;

/// <summary>
/// The real gateway on Kestrel at 127.0.0.1 (random port), a one-node Akka cluster, a SQLite journal file and
/// the in-process simulated vendor. Channels with injected faults are configured by the headers they send.
/// </summary>
public sealed class RunningGateway : IAsyncDisposable
{
    public const string VendorKey = "sim-secret";
    public const string DemoKey = "sk-ar-test-demo-key";
    public const string AdminKey = "test-admin-key";

    private readonly WebApplication _app;

    private RunningGateway(WebApplication app, string databasePath, Uri baseAddress)
    {
        _app = app;
        DatabasePath = databasePath;
        BaseAddress = baseAddress;
        Client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        Client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", DemoKey);
        Admin = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        Admin.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", AdminKey);
    }

    public Uri BaseAddress { get; }

    /// <summary>Calls as the demo tenant's key.</summary>
    public HttpClient Client { get; }

    /// <summary>Calls the admin API with the admin credential.</summary>
    public HttpClient Admin { get; }

    public string DatabasePath { get; }

    public IServiceProvider Services => _app.Services;

    public SimulatedVendorMonitor VendorMonitor =>
        _app.Services.GetRequiredService<InProcessSimulatedVendor>().Monitor ?? throw new InvalidOperationException("The simulated vendor is not running.");

    public static string NewDatabasePath() => Path.Combine(Path.GetTempPath(), $"actorrelay-gw-{Guid.NewGuid():N}.db");

    /// <param name="jsonFile">A JSON configuration file read after the settings and re-read when it changes, like appsettings.json.</param>
    /// <param name="waitUntilReady">False returns as soon as Kestrel listens, before the node is ready.</param>
    public static async Task<RunningGateway> StartAsync(
        string? databasePath = null, ILoggerProvider? logs = null, IDictionary<string, string?>? overrides = null, string? jsonFile = null,
        bool waitUntilReady = true)
    {
        databasePath ??= NewDatabasePath();
        var settings = BaseSettings(databasePath);
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var app = GatewayApp.Build([], builder =>
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Configuration.AddInMemoryCollection(settings);
            if (jsonFile is not null)
            {
                builder.Configuration.AddJsonFile(jsonFile, optional: false, reloadOnChange: true);
            }
            if (logs is not null)
            {
                builder.Logging.AddProvider(logs);
            }
        });
        await app.StartAsync();
        var gateway = new RunningGateway(app, databasePath, new Uri(app.Urls.First()));
        if (waitUntilReady)
        {
            await gateway.WaitUntilReadyAsync();
        }

        return gateway;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        Admin.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>
    /// Waits for readiness (cluster Up, directories synced) and the demo key. A node joining a cluster while the rest of the
    /// suite keeps both cores busy can take tens of seconds; if it never gets there, the message says which check held it.
    /// </summary>
    private async Task WaitUntilReadyAsync()
    {
        var within = TimeSpan.FromSeconds(60);
        var deadline = DateTime.UtcNow + within;
        var models = HttpStatusCode.ServiceUnavailable;
        while (DateTime.UtcNow < deadline)
        {
            using var ready = await Client.GetAsync("/readyz");
            using var keyKnown = await Client.GetAsync("/v1/models");
            models = keyKnown.StatusCode;
            if (ready.IsSuccessStatusCode && keyKnown.IsSuccessStatusCode)
            {
                return;
            }

            await Task.Delay(100);
        }

        var readiness = await _app.Services.GetRequiredService<HealthCheckService>()
            .CheckHealthAsync(check => check.Tags.Contains(ActorRelayAkkaHostingExtensions.ReadinessTag));
        var checks = string.Join("; ", readiness.Entries.Select(entry => $"{entry.Key}: {entry.Value.Status} {entry.Value.Description}"));
        throw new TimeoutException($"The gateway did not become ready (cluster Up, demo key seeded) within {within.TotalSeconds:0} s: {checks}; /v1/models {(int)models}.");
    }

    private static Dictionary<string, string?> BaseSettings(string databasePath)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Information",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
            // Hosting's own request logs (and the activity ASP.NET Core starts for them) off: what the gateway promises
            // (request ids and trace context in logs, traceparent to the vendor) must not hang on them.
            ["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "None",
            ["ActorRelay:Akka:Remote:Port"] = "0",
            ["ActorRelay:Akka:Journal:Provider"] = "Sqlite",
            ["ActorRelay:Akka:Journal:ConnectionString"] = $"Data Source={databasePath}",
            ["ActorRelay:Prices:Version"] = "test-prices",
            ["ActorRelay:Prices:Models:sim-small:InputPerMillion"] = "1.5",
            ["ActorRelay:Prices:Models:sim-small:OutputPerMillion"] = "6",
            ["SimulatedVendor:FirstTokenDelayMs"] = "0",
            ["SimulatedVendor:TokenDelayMs"] = "0",
            ["SimulatedVendor:ResponseTokens"] = "16",
            ["SimulatedVendor:ApiKey"] = VendorKey,
            ["ActorRelay:Access:AdminKey"] = AdminKey,
            ["ActorRelay:Access:RefreshSeconds"] = "0.5",
            ["ActorRelay:Routing:RefreshSeconds"] = "0.5",
            ["ActorRelay:Access:Demo:Enabled"] = "true",
            ["ActorRelay:Access:Demo:TenantId"] = "demo",
            ["ActorRelay:Access:Demo:Key"] = DemoKey,
        };

        // Each alias m-<name> goes to the channel of the same name; the channel's headers inject its fault.
        Channel(settings, "ok");
        Channel(settings, "fail500", ("x-sim-fail", "500"));
        Channel(settings, "fail503", ("x-sim-fail", "503"));
        Channel(settings, "fail429", ("x-sim-fail", "429"));
        Channel(settings, "drop", ("x-sim-drop-after", "3"), ("x-sim-tokens", "50"), ("x-sim-token-delay-ms", "30"));
        Channel(settings, "slow", ("x-sim-first-token-delay-ms", "5000"));
        settings["ActorRelay:Channels:slow:TimeoutSeconds"] = "0.5";
        Channel(settings, "long", ("x-sim-tokens", "100000"), ("x-sim-token-delay-ms", "5"));
        Channel(settings, "flood", ("x-sim-tokens", "100000"));
        Channel(settings, "wrongkey");
        settings["ActorRelay:Channels:wrongkey:ApiKey"] = "not-the-key";
        Channel(settings, "held", ("x-sim-first-token-delay-ms", "1500"));
        settings["ActorRelay:Channels:held:MaxConcurrency"] = "1000";
        Channel(settings, "narrow", ("x-sim-first-token-delay-ms", "1500"));
        settings["ActorRelay:Channels:narrow:MaxConcurrency"] = "1";

        // The in-process vendor in each dialect: m-anthropic and m-gemini are served through translation.
        Channel(settings, "anthropic");
        settings["ActorRelay:Channels:anthropic:Protocol"] = "Anthropic";
        Channel(settings, "gemini");
        settings["ActorRelay:Channels:gemini:Protocol"] = "Gemini";
        Channel(settings, "anthropic-wrongkey");
        settings["ActorRelay:Channels:anthropic-wrongkey:Protocol"] = "Anthropic";
        settings["ActorRelay:Channels:anthropic-wrongkey:ApiKey"] = "not-the-key";
        Channel(settings, "gemini-drop", ("x-sim-drop-after", "3"), ("x-sim-tokens", "50"), ("x-sim-token-delay-ms", "30"));
        settings["ActorRelay:Channels:gemini-drop:Protocol"] = "Gemini";
        Channel(settings, "anthropic-drop", ("x-sim-drop-after", "3"), ("x-sim-tokens", "50"), ("x-sim-token-delay-ms", "30"));
        settings["ActorRelay:Channels:anthropic-drop:Protocol"] = "Anthropic";

        // Embeddings, images and audio on the OpenAI-type simulated channel, with their own prices.
        foreach (var (alias, vendorModel) in (ReadOnlySpan<(string, string)>)[("m-embed", "sim-embed"), ("m-image", "sim-image"), ("m-tts", "sim-tts"), ("m-whisper", "sim-whisper")])
        {
            settings[$"ActorRelay:Models:{alias}:Channel"] = "ok";
            settings[$"ActorRelay:Models:{alias}:VendorModel"] = vendorModel;
        }

        settings["ActorRelay:Models:m-embed-anthropic:Channel"] = "anthropic";
        settings["ActorRelay:Prices:Models:sim-embed:InputPerMillion"] = "0.02";
        settings["ActorRelay:Prices:Models:sim-image:PerImage"] = "0.04";
        settings["ActorRelay:Prices:Models:sim-tts:InputPerMillion"] = "15";
        settings["ActorRelay:Prices:Models:sim-whisper:PerAudioSecond"] = "0.0001";

        settings["ActorRelay:Channels:dead:Type"] = "OpenAICompatible";
        settings["ActorRelay:Channels:dead:BaseUrl"] = "http://127.0.0.1:9/v1/";
        settings["ActorRelay:Models:m-dead:Channel"] = "dead";
        return settings;
    }

    private static void Channel(Dictionary<string, string?> settings, string name, params (string Header, string Value)[] headers)
    {
        settings[$"ActorRelay:Channels:{name}:Type"] = "Simulated";
        settings[$"ActorRelay:Channels:{name}:ApiKey"] = VendorKey;
        foreach (var (header, value) in headers)
        {
            settings[$"ActorRelay:Channels:{name}:Headers:{header}"] = value;
        }

        settings[$"ActorRelay:Models:m-{name}:Channel"] = name;
        settings[$"ActorRelay:Models:m-{name}:VendorModel"] = "sim-small";
    }
}
