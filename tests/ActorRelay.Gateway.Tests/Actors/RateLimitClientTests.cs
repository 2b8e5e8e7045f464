using ActorRelay.Actors.RateLimiting;
using ActorRelay.Gateway.Access;
using ActorRelay.Gateway.Actors;
using ActorRelay.Gateway.Options;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.Options;

namespace ActorRelay.Gateway.Tests.Actors;

public sealed class RateLimitClientTests : IAsyncLifetime
{
    private readonly ActorSystem _system = ActorSystem.Create("rate-limit-client-test");

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await _system.Terminate();

    [Fact]
    public async Task AcquireAsync_ManyCallsWaitingOnOneRefill_EachIsAdmittedOnlyByAnAnswerOfItsOwn()
    {
        // The entity answers slowly (as from another node) and admits each ask's own call with no lease to share, so
        // that every admitted call must have had an ask of its own: another call's answer admits only that call.
        var entity = _system.ActorOf(Props.Create(() => new SlowEntity()));
        var options = new GatewayOptions();
        options.RateLimits.DefaultKey.RequestsPerMinute = 1_000;
        using var client = new RateLimitClient(new Entity(entity), new FixedOptions(options), TimeProvider.System);
        var caller = new Caller("t1", null, "k1", [], new Dictionary<string, string>());

        var decisions = await Task.WhenAll(Enumerable.Range(0, 60).Select(_ => client.AcquireAsync(caller, 1, TestContext.Current.CancellationToken).AsTask()));
        var asks = await entity.Ask<int>(SlowEntity.CountAsks, TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);

        Assert.All(decisions, decision => Assert.True(decision!.Allowed));
        Assert.Equal(decisions.Length, asks);
    }

    /// <summary>Allows every call after 20 ms, granting no lease beyond it; counts the asks.</summary>
    private sealed class SlowEntity : ReceiveActor
    {
        public const string CountAsks = "count";

        public SlowEntity()
        {
            var asks = 0;
            Receive<RateLimitCommands.Acquire>(_ =>
            {
                asks++;
                Context.System.Scheduler.ScheduleTellOnce(TimeSpan.FromMilliseconds(20), Sender, new RateLimitCommands.Acquired(true, null, null), Self);
            });
            Receive<string>(_ => Sender.Tell(asks));
        }
    }

    private sealed class Entity(IActorRef actor) : IRequiredActor<RateLimitActor>
    {
        public IActorRef ActorRef => actor;

        public Task<IActorRef> GetAsync(CancellationToken cancellationToken = default) => Task.FromResult(actor);
    }

    private sealed class FixedOptions(GatewayOptions value) : IOptionsMonitor<GatewayOptions>
    {
        public GatewayOptions CurrentValue => value;

        public GatewayOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<GatewayOptions, string?> listener) => null;
    }
}
