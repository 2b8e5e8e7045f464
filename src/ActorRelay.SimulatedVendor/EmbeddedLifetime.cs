using Microsoft.Extensions.Hosting;

namespace ActorRelay.SimulatedVendor;

/// <summary>
/// The lifetime of a simulator embedded in another process: it ignores SIGTERM and Ctrl+C (the default console lifetime
/// would stop it at once) and stops only when its owner disposes it, so a draining gateway can finish its streams.
/// </summary>
internal sealed class EmbeddedLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
