using ActorRelay.Actors.Access;
using ActorRelay.Core.Access;
using ActorRelay.Gateway.Options;
using Microsoft.Extensions.Options;

namespace ActorRelay.Gateway.Access;

/// <summary>
/// Keeps this node's <see cref="AccessCache"/> current by polling the directory for a newer version (a revoked key
/// stops working on every node within <see cref="AccessOptions.RefreshSeconds"/>), and seeds the demo tenant and
/// key when the configuration asks for them.
/// </summary>
internal sealed partial class AccessDirectorySync(
    AccessDirectoryClient directory,
    IOptionsMonitor<AccessOptions> options,
    ILogger<AccessDirectorySync> logger) : BackgroundService
{
    private const string DemoKeyId = "key_demo";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var seeded = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!seeded)
                {
                    await SeedDemoAsync(stoppingToken);
                    seeded = true;
                }

                await directory.RefreshAsync(stoppingToken);
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                LogRefreshFailed(exception);
            }

            await Task.Delay(TimeSpan.FromSeconds(options.CurrentValue.RefreshSeconds), stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task SeedDemoAsync(CancellationToken cancellationToken)
    {
        var demo = options.CurrentValue.Demo;
        if (!demo.Enabled || string.IsNullOrEmpty(demo.Key))
        {
            return;
        }

        await directory.SendAsync(new AccessCommands.CreateTenant(demo.TenantId, "Demo tenant", new Dictionary<string, string> { ["team"] = "demo" }), cancellationToken);
        var reply = await directory.SendAsync(new AccessCommands.IssueKey(
            DemoKeyId, demo.TenantId, null, "demo key", ApiKeys.Hash(demo.Key), ApiKeys.Display(demo.Key), [], null), cancellationToken);
        if (reply.Outcome == AccessOutcome.Accepted)
        {
            LogDemoSeeded(demo.TenantId, demo.Key);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Demo access is on: tenant {TenantId} with the documented demo key {DemoKey}. Switch ActorRelay:Access:Demo:Enabled off in production.")]
    private partial void LogDemoSeeded(string tenantId, string demoKey);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refreshing the access directory failed; serving the last known keys")]
    private partial void LogRefreshFailed(Exception exception);
}
