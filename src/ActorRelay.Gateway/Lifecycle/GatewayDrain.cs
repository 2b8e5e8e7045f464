using ActorRelay.Gateway.Observability;
using ActorRelay.Gateway.Options;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace ActorRelay.Gateway.Lifecycle;

/// <summary>
/// Graceful shutdown. On SIGTERM (the host's <c>ApplicationStopping</c>) readiness turns false at once; Kestrel, stopped
/// before the ActorSystem, takes no new requests and waits for the in-flight ones; streams still running after
/// <c>Shutdown:DrainTimeoutSeconds</c> are ended cleanly (an SSE error event, billed for what was delivered). Only then
/// does Akka.Hosting run CoordinatedShutdown: the node leaves the cluster and hands its shards off.
/// </summary>
internal sealed partial class GatewayDrain(IHostApplicationLifetime lifetime, IOptionsMonitor<GatewayOptions> options, ILogger<GatewayDrain> logger)
    : IHostedService, IHealthCheck, IDisposable
{
    private readonly CancellationTokenSource _expired = new();
    private CancellationTokenRegistration _stopping;

    /// <summary>True from SIGTERM on.</summary>
    public bool Draining { get; private set; }

    /// <summary>Cancelled when the drain timeout ran out: running streams end now.</summary>
    public CancellationToken Expired => _expired.Token;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _stopping = lifetime.ApplicationStopping.Register(BeginDrain);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(Draining ? HealthCheckResult.Unhealthy("The node is draining for shutdown.") : HealthCheckResult.Healthy());

    public void Dispose()
    {
        _stopping.Dispose();
        _expired.Dispose();
    }

    private void BeginDrain()
    {
        Draining = true;
        GatewayMetrics.Draining.Set(1);
        var timeout = TimeSpan.FromSeconds(options.CurrentValue.Shutdown.DrainTimeoutSeconds);
        LogDraining(timeout.TotalSeconds);
        _expired.CancelAfter(timeout);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Shutting down: not ready any more; in-flight calls have {DrainSeconds} s before the node leaves the cluster")]
    private partial void LogDraining(double drainSeconds);
}
