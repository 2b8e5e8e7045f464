using ActorRelay.Gateway.Options;
using Microsoft.Extensions.Options;

namespace ActorRelay.Gateway.Routing;

/// <summary>
/// Keeps this node's routing table current with the routes set through the admin API by polling the route directory
/// for a newer version: a change reaches every node within <see cref="RoutingOptions.RefreshSeconds"/>.
/// </summary>
internal sealed partial class RouteDirectorySync(
    RouteDirectoryClient directory,
    IOptionsMonitor<GatewayOptions> options,
    ILogger<RouteDirectorySync> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await directory.RefreshAsync(stoppingToken);
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                LogRefreshFailed(exception);
            }

            await Task.Delay(TimeSpan.FromSeconds(options.CurrentValue.Routing.RefreshSeconds), stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refreshing the route directory failed; routing with the last known routes")]
    private partial void LogRefreshFailed(Exception exception);
}
