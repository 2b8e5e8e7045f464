using ActorRelay.Actors.Channels;
using Akka.Actor;
using Akka.Hosting;
using Akka.Hosting.TestKit;

namespace ActorRelay.Actors.Tests.Channels;

public sealed class ChannelActorSpecs(ITestOutputHelper output) : TestKit(output: output)
{
    private readonly FixedDirectory _directory = new() { ["vendor"] = 2 };

    protected override void ConfigureAkka(AkkaConfigurationBuilder builder, IServiceProvider provider)
    {
    }

    private IActorRef Channel(string id = "vendor") => Sys.ActorOf(Props.Create(() => new ChannelActor(id, _directory)));

    private static CallOutcome Ok(double latencyMs) => new(true, 200, latencyMs, 10, 20);

    [Fact]
    public async Task Admit_BeyondConcurrencyLimit_RejectsUntilASlotIsReleased()
    {
        var channel = Channel();

        Assert.IsType<ChannelCommands.Admitted>(await channel.Ask<object>(new ChannelCommands.Admit("vendor", "r1", 60)));
        Assert.IsType<ChannelCommands.Admitted>(await channel.Ask<object>(new ChannelCommands.Admit("vendor", "r2", 60)));
        var rejected = Assert.IsType<ChannelCommands.Rejected>(await channel.Ask<object>(new ChannelCommands.Admit("vendor", "r3", 60)));
        Assert.Equal(RejectionReason.ConcurrencyLimit, rejected.Reason);

        channel.Tell(new ChannelCommands.Release("vendor", "r1", Ok(100)));

        Assert.IsType<ChannelCommands.Admitted>(await channel.Ask<object>(new ChannelCommands.Admit("vendor", "r3", 60)));
    }

    [Fact]
    public async Task Admit_SameRequestTwice_TakesOneSlot()
    {
        var channel = Channel();

        await channel.Ask<object>(new ChannelCommands.Admit("vendor", "r1", 60));
        await channel.Ask<object>(new ChannelCommands.Admit("vendor", "r1", 60));
        var stats = await channel.Ask<ChannelQueries.ChannelStats>(new ChannelQueries.GetChannelStats("vendor"));

        Assert.Equal(1, stats.InFlight);
        Assert.Equal(1, stats.Admitted);
    }

    [Fact]
    public async Task Admit_LeaseOfVanishedCaller_ExpiresAndFreesItsSlot()
    {
        var channel = Channel();
        await channel.Ask<object>(new ChannelCommands.Admit("vendor", "lost-1", 1));
        await channel.Ask<object>(new ChannelCommands.Admit("vendor", "lost-2", 1));

        await AwaitAssertAsync(
            async () => Assert.IsType<ChannelCommands.Admitted>(await channel.Ask<object>(new ChannelCommands.Admit("vendor", "fresh", 60))),
            TimeSpan.FromSeconds(5),
            TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public async Task Release_RecordsOutcomesAndIsIdempotent()
    {
        var channel = Channel();
        await channel.Ask<object>(new ChannelCommands.Admit("vendor", "r1", 60));
        await channel.Ask<object>(new ChannelCommands.Admit("vendor", "r2", 60));

        channel.Tell(new ChannelCommands.Release("vendor", "r1", Ok(100)));
        channel.Tell(new ChannelCommands.Release("vendor", "r1", Ok(100)));
        channel.Tell(new ChannelCommands.Release("vendor", "r2", new CallOutcome(false, 502, 200, 0, 0)));
        var stats = await channel.Ask<ChannelQueries.ChannelStats>(new ChannelQueries.GetChannelStats("vendor"));

        Assert.Equal(0, stats.InFlight);
        Assert.Equal(1, stats.Succeeded);
        Assert.Equal(1, stats.Failed);
        Assert.Equal(120, stats.LatencyEwmaMs, 6);
    }

    [Fact]
    public async Task Admit_UnconfiguredChannel_IsRejected()
    {
        var channel = Channel("ghost");

        var rejected = Assert.IsType<ChannelCommands.Rejected>(await channel.Ask<object>(new ChannelCommands.Admit("ghost", "r1", 60)));

        Assert.Equal(RejectionReason.UnknownChannel, rejected.Reason);
    }

    [Fact]
    public async Task Admit_LimitRaisedAtRunTime_AppliesToNextDecision()
    {
        var channel = Channel();
        await channel.Ask<object>(new ChannelCommands.Admit("vendor", "r1", 60));
        await channel.Ask<object>(new ChannelCommands.Admit("vendor", "r2", 60));

        _directory["vendor"] = 3;

        Assert.IsType<ChannelCommands.Admitted>(await channel.Ask<object>(new ChannelCommands.Admit("vendor", "r3", 60)));
    }

    private sealed class FixedDirectory : Dictionary<string, int>, IChannelDirectory
    {
        public int? MaxConcurrency(string channelId) => TryGetValue(channelId, out var limit) ? limit : null;
    }
}
