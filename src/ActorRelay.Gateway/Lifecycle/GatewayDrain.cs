using ActorRelay.Gateway.Actors;
using ActorRelay.Gateway.Observability;
using ActorRelay.Gateway.Options;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace ActorRelay.Gateway.Lifecycle;

/// <summary>
/// Graceful shutdown. On SIGTERM (the host's <c>ApplicationStopping</c>) readiness turns false at once. This service is
/// registered after the ActorSystem, so the host stops it first: its stop waits until the node has no request in flight,
/// and streams still running after <c>Shutdown:DrainTimeoutSeconds</c> are ended cleanly (an SSE error event, billed for
/// what was delivered). Only then do the ActorSystem and the in-process vendor stop: Akka.Hosting runs
/// CoordinatedShutdown, the node leaves the cluster and hands its shards off.
/// </summary>
internal sealed partial class GatewayDrain(IHostApplicationLifetime lifetime, IOptionsMonitor<GatewayOptions> options, IServiceProvider services, ILogger<GatewayDrain> logger)
    : IHostedService, IHealthCheck, IDisposable
{
    private readonly CancellationTokenSource _expired = new();
    private CancellationTokenRegistration _stopping;
    private int _inFlight;

    /// <summary>True from SIGTERM on.</summary>
    public bool Draining { get; private set; }

    /// <summary>Cancelled when the drain timeout ran out: running streams end now.</summary>
    public CancellationToken Expired => _expired.Token;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _stopping = lifetime.ApplicationStopping.Register(BeginDrain);
        return Task.CompletedTask;
    }

    /// <summary>Waits (polling, off the request path) until no request is in flight, or the host gives up.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        while (Volatile.Read(ref _inFlight) > 0 && !cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(50, CancellationToken.None);
        }

        LogDrained(Volatile.Read(ref _inFlight));
        try
        {
            // Settled calls are billed in batches after their requests ended: the last batches go out before the node leaves.
            await services.GetRequiredService<LedgerClient>().FlushAsync(null, cancellationToken);
        }
        catch (Exception exception) when (exception is TimeoutException or OperationCanceledException)
        {
            LogLedgerNotFlushed(exception);
        }
    }

    /// <summary>Counts the request in flight while it runs, so that the drain knows when the node is idle.</summary>
    public async Task TrackAsync(HttpContext context, RequestDelegate next)
    {
        Interlocked.Increment(ref _inFlight);
        try
        {
            await next(context);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(Draining ? new HealthCheckResult(context.Registration.FailureStatus, "The node is draining for shutdown.") : HealthCheckResult.Healthy());

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

    [LoggerMessage(Level = LogLevel.Error, Message = "Calls settled on this node could not all be billed before it left the cluster")]
    private partial void LogLedgerNotFlushed(Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Drained with {InFlight} requests still in flight; leaving the cluster")]
    private partial void LogDrained(int inFlight);

    [LoggerMessage(Level = LogLevel.Information, Message = "Shutting down: not ready any more; in-flight calls have {DrainSeconds} s before the node leaves the cluster")]
    private partial void LogDraining(double drainSeconds);
}
