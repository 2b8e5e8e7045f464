using ActorRelay.Gateway.Actors;
using ActorRelay.Gateway.Options;
using Microsoft.Extensions.Options;

namespace ActorRelay.Gateway.Routing;

/// <summary>
/// Asks every configured channel's entity for its health every <see cref="RoutingOptions.HealthPollSeconds"/>, all at
/// once, so that this node plans with a fresh view of channels it has not called lately (a breaker that half-opened,
/// another node's in-flight calls). The request path itself never asks for health.
/// </summary>
internal sealed partial class ChannelHealthPoller(
    ChannelGate gate,
    ChannelHealthBoard board,
    IOptionsMonitor<GatewayOptions> options,
    ILogger<ChannelHealthPoller> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var current = options.CurrentValue;
            try
            {
                var polls = current.Channels.Keys.Select(channelId => gate.HealthAsync(channelId, stoppingToken));
                foreach (var health in await Task.WhenAll(polls))
                {
                    board.Update(health);
                }
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                LogPollFailed(exception);
            }

            await Task.Delay(TimeSpan.FromSeconds(current.Routing.HealthPollSeconds), stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Polling channel health failed; planning with the last known health")]
    private partial void LogPollFailed(Exception exception);
}
