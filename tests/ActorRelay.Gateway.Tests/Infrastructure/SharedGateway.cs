[assembly: AssemblyFixture(typeof(ActorRelay.Gateway.Tests.Infrastructure.SharedGateway))]

namespace ActorRelay.Gateway.Tests.Infrastructure;

/// <summary>One gateway for the tests that do not need a fresh process or journal.</summary>
public sealed class SharedGateway : IAsyncLifetime
{
    private RunningGateway? _gateway;

    public RunningGateway Gateway => _gateway ?? throw new InvalidOperationException("Not started.");

    public async ValueTask InitializeAsync() => _gateway = await RunningGateway.StartAsync();

    public async ValueTask DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
            File.Delete(_gateway.DatabasePath);
        }
    }
}
