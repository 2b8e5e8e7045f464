using ActorRelay.Actors.Channels;
using ActorRelay.Core.Policy;
using Akka.Actor;
using Akka.Hosting;
using Akka.Hosting.TestKit;

namespace ActorRelay.Actors.Tests.Channels;

public sealed class ChannelActorSpecs(ITestOutputHelper output) : TestKit(output: output)
{
    private readonly FixedDirectory _directory = new() { ["vendor"] = new ChannelPolicy(2, Breaker, null) };

    private static readonly CircuitBreakerOptions Breaker = new()
    {
        ConsecutiveFailures = 2,
        BreakDuration = TimeSpan.FromMilliseconds(300),
        BreakDurationMultiplier = 1,
        ProbeCalls = 1,
    };

    protected override void ConfigureAkka(AkkaConfigurationBuilder builder, IServiceProvider provider)
    {
    }

    private IActorRef Channel(string id = "vendor") => Sys.ActorOf(Props.Create(() => new ChannelActor(id, _directory)));

    private static CallOutcome Ok(double latencyMs) => new(CallVerdict.Healthy, 200, latencyMs, 10, 20);

    private static CallOutcome Failed() => new(CallVerdict.Failed, 500, 5, 0, 0);

    private static ChannelCommands.Admit Admit(string requestId, int leaseSeconds = 60, string channelId = "vendor", long tokens = 10) =>
        new(channelId, requestId, leaseSeconds, tokens);

    [Fact]
    public async Task Admit_BeyondConcurrencyLimit_RejectsUntilASlotIsReleased()
    {
        var channel = Channel();

        Assert.IsType<ChannelCommands.Admitted>(await channel.Ask<object>(Admit("r1")));
        Assert.IsType<ChannelCommands.Admitted>(await channel.Ask<object>(Admit("r2")));
        var rejected = Assert.IsType<ChannelCommands.Rejected>(await channel.Ask<object>(Admit("r3")));
        Assert.Equal(RejectionReason.ConcurrencyLimit, rejected.Reason);

        channel.Tell(new ChannelCommands.Release("vendor", "r1", Ok(100)));

        Assert.IsType<ChannelCommands.Admitted>(await channel.Ask<object>(Admit("r3")));
    }

    [Fact]
    public async Task Admit_SameRequestTwice_TakesOneSlot()
    {
        var channel = Channel();

        await channel.Ask<object>(Admit("r1"));
        await channel.Ask<object>(Admit("r1"));
        var stats = await channel.Ask<ChannelQueries.ChannelStats>(new ChannelQueries.GetChannelStats("vendor"));

        Assert.Equal(1, stats.InFlight);
        Assert.Equal(1, stats.Admitted);
    }

    [Fact]
    public async Task Admit_LeaseOfVanishedCaller_ExpiresAndFreesItsSlot()
    {
        var channel = Channel();
        await channel.Ask<object>(Admit("lost-1", 1, "vendor"));
        await channel.Ask<object>(Admit("lost-2", 1, "vendor"));

        await AwaitAssertAsync(
            async () => Assert.IsType<ChannelCommands.Admitted>(await channel.Ask<object>(Admit("fresh"))),
            TimeSpan.FromSeconds(5),
            TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public async Task Release_RecordsOutcomesAndIsIdempotent()
    {
        var channel = Channel();
        await channel.Ask<object>(Admit("r1"));
        await channel.Ask<object>(Admit("r2"));

        channel.Tell(new ChannelCommands.Release("vendor", "r1", Ok(100)));
        channel.Tell(new ChannelCommands.Release("vendor", "r1", Ok(100)));
        channel.Tell(new ChannelCommands.Release("vendor", "r2", new CallOutcome(CallVerdict.Failed, 502, 200, 0, 0)));
        var stats = await channel.Ask<ChannelQueries.ChannelStats>(new ChannelQueries.GetChannelStats("vendor"));

        Assert.Equal(0, stats.InFlight);
        Assert.Equal(1, stats.Succeeded);
        Assert.Equal(1, stats.Failed);
        Assert.Equal(100, stats.LatencyEwmaMs, 6);
    }

    [Fact]
    public async Task Admit_UnconfiguredChannel_IsRejected()
    {
        var channel = Channel("ghost");

        var rejected = Assert.IsType<ChannelCommands.Rejected>(await channel.Ask<object>(Admit("r1", 60, "ghost")));

        Assert.Equal(RejectionReason.UnknownChannel, rejected.Reason);
    }

    [Fact]
    public async Task Admit_LimitRaisedAtRunTime_AppliesToNextDecision()
    {
        var channel = Channel();
        await channel.Ask<object>(Admit("r1"));
        await channel.Ask<object>(Admit("r2"));

        _directory["vendor"] = new ChannelPolicy(3, Breaker, null);

        Assert.IsType<ChannelCommands.Admitted>(await channel.Ask<object>(Admit("r3")));
    }

    [Fact]
    public async Task Breaker_OpensOnFailures_ShedsThenProbesAndCloses()
    {
        var channel = Channel();
        foreach (var id in new[] { "f1", "f2" })
        {
            Assert.IsType<ChannelCommands.Admitted>(await channel.Ask<object>(Admit(id)));
            channel.Tell(new ChannelCommands.Release("vendor", id, Failed()));
        }

        var shed = Assert.IsType<ChannelCommands.Rejected>(await channel.Ask<object>(Admit("shed")));
        Assert.Equal(RejectionReason.CircuitOpen, shed.Reason);
        Assert.False(shed.Health.Available);
        Assert.Equal(CircuitState.Open, shed.Health.Circuit);
        Assert.InRange(shed.RetryAfterSeconds, 0.01, 0.3);

        await Task.Delay(350);
        var probe = Assert.IsType<ChannelCommands.Admitted>(await channel.Ask<object>(Admit("probe")));
        Assert.True(probe.Probe);
        Assert.Equal(RejectionReason.CircuitOpen, Assert.IsType<ChannelCommands.Rejected>(await channel.Ask<object>(Admit("second"))).Reason);
        channel.Tell(new ChannelCommands.Release("vendor", "probe", Ok(10)));

        var health = await channel.Ask<ChannelHealth>(new ChannelQueries.GetChannelHealth("vendor"));
        Assert.Equal(CircuitState.Closed, health.Circuit);
        Assert.True(health.Available);
        var stats = await channel.Ask<ChannelQueries.ChannelStats>(new ChannelQueries.GetChannelStats("vendor"));
        Assert.Equal(1, stats.Breaker.TimesOpened);
        Assert.Equal(CircuitTrip.ConsecutiveFailures, stats.Breaker.LastTrip);
    }

    [Fact]
    public async Task Quota_HoldsTheVendorsRequestsPerMinute_AndGivesBackUnusedTokens()
    {
        _directory["quota"] = new ChannelPolicy(10, Breaker, new RateLimits(2, 100));
        var channel = Channel("quota");

        Assert.IsType<ChannelCommands.Admitted>(await channel.Ask<object>(Admit("q1", channelId: "quota", tokens: 100)));
        Assert.Equal(RejectionReason.RateLimited,
            Assert.IsType<ChannelCommands.Rejected>(await channel.Ask<object>(Admit("q2", channelId: "quota", tokens: 100))).Reason);
        channel.Tell(new ChannelCommands.Release("quota", "q1", new CallOutcome(CallVerdict.Healthy, 200, 5, 10, 20)));

        Assert.IsType<ChannelCommands.Admitted>(await channel.Ask<object>(Admit("q3", channelId: "quota", tokens: 60)));
        var third = Assert.IsType<ChannelCommands.Rejected>(await channel.Ask<object>(Admit("q4", channelId: "quota", tokens: 1)));
        Assert.Equal(RejectionReason.RateLimited, third.Reason);
        Assert.True(third.RetryAfterSeconds > 0);
    }

    private sealed class FixedDirectory : Dictionary<string, ChannelPolicy>, IChannelDirectory
    {
        public ChannelPolicy? Policy(string channelId) => TryGetValue(channelId, out var policy) ? policy : null;
    }
}
