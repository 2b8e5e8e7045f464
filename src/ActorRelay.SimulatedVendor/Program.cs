using ActorRelay.SimulatedVendor;

// Standalone simulated vendor: dotnet run --project src/ActorRelay.SimulatedVendor -- --urls http://127.0.0.1:9100
// Behaviour comes from the "SimulatedVendor" configuration section: appsettings.json in the content root,
// SimulatedVendor__* environment variables or --SimulatedVendor:* arguments.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning); // no per-request logs under load
await using var app = SimulatedVendorHost.Build(builder, SimulatedVendorOptions.FromConfiguration(builder.Configuration));
await app.StartAsync();
app.Logger.LogInformation(
    "Simulated vendor listening; OpenAI and Anthropic base URL: {BaseUrls}, Gemini base URL: {GeminiBaseUrls}",
    string.Join(", ", app.Urls.Select(url => url.TrimEnd('/') + "/v1/")),
    string.Join(", ", app.Urls.Select(url => url.TrimEnd('/') + "/v1beta/")));
await app.WaitForShutdownAsync();
