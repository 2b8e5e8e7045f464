using ActorRelay.Actors.Idempotency;
using Akka.Actor;
using Akka.Hosting;
using Akka.Hosting.TestKit;

namespace ActorRelay.Actors.Tests.Idempotency;

public sealed class IdempotencyActorSpecs(ITestOutputHelper output) : TestKit(output: output)
{
    private static readonly IdempotentResult Result = new("first", 200, "application/json", "{}"u8.ToArray());

    protected override void ConfigureAkka(AkkaConfigurationBuilder builder, IServiceProvider provider)
    {
    }

    private IActorRef Entity() => Sys.ActorOf(Props.Create(() => new IdempotencyActor()));

    private static IdempotencyCommands.Begin Begin(string requestId, string fingerprint = "f") => new("t.k", requestId, fingerprint, 30, 60);

    [Fact]
    public async Task Repeat_WhileFirstRuns_WaitsThenGetsItsResult()
    {
        var entity = Entity();
        Assert.IsType<IdempotencyCommands.Proceed>(await entity.Ask<object>(Begin("first")));

        var repeat = entity.Ask<object>(Begin("second"), TimeSpan.FromSeconds(5));
        await Task.Delay(100);
        Assert.False(repeat.IsCompleted);
        entity.Tell(new IdempotencyCommands.Finish("t.k", "first", true, Result));

        Assert.Equal(Result, Assert.IsType<IdempotencyCommands.Replay>(await repeat).Result);
        Assert.Equal(Result, Assert.IsType<IdempotencyCommands.Replay>(await entity.Ask<object>(Begin("third"))).Result);
    }

    [Fact]
    public async Task FailedFirst_HandsTheKeyToTheWaitingRepeat()
    {
        var entity = Entity();
        await entity.Ask<object>(Begin("first"));
        var repeat = entity.Ask<object>(Begin("second"), TimeSpan.FromSeconds(5));
        await Task.Delay(50);

        entity.Tell(new IdempotencyCommands.Finish("t.k", "first", false, null));

        Assert.Equal("second", Assert.IsType<IdempotencyCommands.Proceed>(await repeat).RequestId);
    }

    [Fact]
    public async Task DifferentBody_IsRefused()
    {
        var entity = Entity();
        await entity.Ask<object>(Begin("first"));

        var refused = Assert.IsType<IdempotencyCommands.Refused>(await entity.Ask<object>(Begin("second", "other")));

        Assert.Equal(IdempotencyRefusal.KeyReused, refused.Reason);
    }
}
