using ActorRelay.Core.Translation;
using ActorRelay.Gateway.Options;
using ActorRelay.SimulatedVendor;
using Microsoft.Extensions.Options;

namespace ActorRelay.Gateway.Simulated;

/// <summary>
/// Runs the simulated vendor inside the gateway process, on its own loopback Kestrel listener, when a
/// <see cref="ChannelType.Simulated"/> channel has no BaseUrl. Calls to it go over real HTTP like any vendor's.
/// </summary>
internal sealed partial class InProcessSimulatedVendor(
    IOptionsMonitor<GatewayOptions> gatewayOptions,
    IConfiguration configuration,
    ILogger<InProcessSimulatedVendor> logger) : IHostedService, IAsyncDisposable
{
    private SimulatedVendorServer? _server;

    /// <summary>The vendor's OpenAI and Anthropic base URL (ending in <c>v1/</c>), once started.</summary>
    public Uri? BaseUrl { get; private set; }

    /// <summary>The base URL of the vendor's <paramref name="protocol"/> dialect (Gemini's ends in <c>v1beta/</c>), once started.</summary>
    public Uri? BaseUrlFor(VendorProtocolKind protocol) =>
        _server is null ? null : protocol == VendorProtocolKind.Gemini ? new Uri(_server.BaseAddress, "v1beta/") : BaseUrl;

    public SimulatedVendorMonitor? Monitor => _server?.Monitor;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var options = gatewayOptions.CurrentValue;
        var needed = options.Channels.Values.Any(channel => channel.Type == ChannelType.Simulated && string.IsNullOrEmpty(channel.BaseUrl));
        if (!needed)
        {
            return;
        }

        var vendorOptions = SimulatedVendorOptions.FromConfiguration(configuration);
        _server = await SimulatedVendorServer.StartAsync(vendorOptions, options.SimulatedVendorUrl, cancellationToken);
        BaseUrl = new Uri(_server.BaseAddress, "v1/");
        LogStarted(BaseUrl);
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
            _server = null;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Simulated vendor listening at {BaseUrl}")]
    private partial void LogStarted(Uri baseUrl);
}
