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

    private static ChannelCommands.RenewLease Report(int floor, int peak, int inFlight = 0, long seq = 1, int leaseSeconds = 60,
        string channelId = "wide", LeaseOutcomes? outcomes = null, bool idle = false, long requestsLeft = 0, long tokensLeft = 0, long largestCall = 0) =>
        new(channelId, seq, leaseSeconds, floor, inFlight, peak, idle, requestsLeft, tokensLeft, 0, 0, largestCall, outcomes ?? LeaseOutcomes.None);

    private async Task<ChannelCommands.LeaseGranted> RenewAsync(IActorRef channel, Akka.TestKit.TestProbe node, ChannelCommands.RenewLease report)
    {
        channel.Tell(report, node.Ref);
        var answer = await node.FishForMessageAsync<object>(message => message is ChannelCommands.LeaseGranted grant && grant.Seq == report.Seq, TimeSpan.FromSeconds(3));
        return (ChannelCommands.LeaseGranted)answer;
    }

    private static async Task<int> AdmitUntilRejectedAsync(IActorRef channel, string channelId, string prefix = "call", long tokens = 10)
    {
        var admitted = 0;
        while (await channel.Ask<object>(Admit($"{prefix}-{admitted}", channelId: channelId, tokens: tokens)) is ChannelCommands.Admitted)
        {
            admitted++;
        }

        return admitted;
    }

    [Fact]
    public async Task RenewLease_WhileClosed_GrantsDemandPlusAChunk_CountedAgainstTheLimit()
    {
        _directory["wide"] = new ChannelPolicy(16, Breaker, null);
        var channel = Channel("wide");
        var node = CreateTestProbe();

        var grant = await RenewAsync(channel, node, Report(floor: 0, peak: 4));

        Assert.Equal(4 + 2, grant.Slots);
        Assert.False(grant.Saturated);
        Assert.False(grant.Metered);
        Assert.Equal(16 - 6, await AdmitUntilRejectedAsync(channel, "wide"));
    }

    [Fact]
    public async Task RenewLease_TwoNodesCompeting_EachGetsItsShare_AndTheSumNeverExceedsTheLimit()
    {
        _directory["wide"] = new ChannelPolicy(16, Breaker, null);
        var channel = Channel("wide");
        var (first, second) = (CreateTestProbe(), CreateTestProbe());

        Assert.Equal(16, (await RenewAsync(channel, first, Report(floor: 0, peak: 30))).Slots);
        var starved = await RenewAsync(channel, second, Report(floor: 0, peak: 8));
        Assert.Equal(0, starved.Slots);
        Assert.True(starved.Saturated);
        Assert.Equal(16, starved.MaxConcurrency);

        // Under contention the first node is cut to half; its slots stay counted until it reports them no longer in use.
        var cut = await RenewAsync(channel, first, Report(floor: 16, peak: 16, inFlight: 16, seq: 2));
        Assert.Equal(8, cut.Slots);
        Assert.Equal(0, (await RenewAsync(channel, second, Report(floor: 0, peak: 8, seq: 2))).Slots);

        await RenewAsync(channel, first, Report(floor: 8, peak: 8, inFlight: 8, seq: 3));
        Assert.Equal(8, (await RenewAsync(channel, second, Report(floor: 0, peak: 8, seq: 3))).Slots);
        Assert.Equal(0, await AdmitUntilRejectedAsync(channel, "wide"));
        var stats = await channel.Ask<ChannelQueries.ChannelStats>(new ChannelQueries.GetChannelStats("wide"));
        Assert.Equal(8, stats.InFlight);
    }

    [Fact]
    public async Task RenewLease_FailuresThatOpenTheBreaker_RevokeEverySlice_AndGrantNothingUntilItCloses()
    {
        _directory["wide"] = new ChannelPolicy(16, Breaker, null);
        var channel = Channel("wide");
        var (first, second) = (CreateTestProbe(), CreateTestProbe());
        Assert.True((await RenewAsync(channel, first, Report(floor: 0, peak: 2))).Slots > 0);
        Assert.True((await RenewAsync(channel, second, Report(floor: 0, peak: 2))).Slots > 0);

        var afterFailures = await RenewAsync(channel, first, Report(floor: 4, peak: 2, seq: 2, outcomes: new LeaseOutcomes(2, 0, 0, 2, 0, 0)));

        Assert.Equal(CircuitState.Open, (await second.ExpectMsgAsync<ChannelCommands.LeaseRevoked>()).Health.Circuit);
        Assert.Equal(0, afterFailures.Slots);
        Assert.Equal(CircuitState.Open, afterFailures.Health.Circuit);
        Assert.Equal(0, (await RenewAsync(channel, second, Report(floor: 4, peak: 2, seq: 2))).Slots);

        await Task.Delay(350);
        var probe = Assert.IsType<ChannelCommands.Admitted>(await channel.Ask<object>(Admit("probe", channelId: "wide")));
        Assert.True(probe.Probe);
        channel.Tell(new ChannelCommands.Release("wide", "probe", Ok(10)));
        Assert.True((await RenewAsync(channel, second, Report(floor: 0, peak: 2, seq: 3))).Slots > 0);
    }

    [Fact]
    public async Task RenewLease_NodeThatStopsReporting_FreesItsSlotsAfterItsLease()
    {
        _directory["wide"] = new ChannelPolicy(4, Breaker, null);
        var channel = Channel("wide");
        var node = CreateTestProbe();
        Assert.Equal(3, (await RenewAsync(channel, node, Report(floor: 0, peak: 2, leaseSeconds: 1))).Slots);
        Assert.Equal(1, await AdmitUntilRejectedAsync(channel, "wide"));

        await AwaitAssertAsync(
            async () => Assert.IsType<ChannelCommands.Admitted>(await channel.Ask<object>(Admit("after-expiry", channelId: "wide"))),
            TimeSpan.FromSeconds(5),
            TimeSpan.FromMilliseconds(200));
        Assert.Equal(2, await AdmitUntilRejectedAsync(channel, "wide", "later"));
    }

    [Fact]
    public async Task RenewLease_Idle_GivesTheSliceAndItsQuotaBack()
    {
        _directory["metered"] = new ChannelPolicy(100, Breaker, new RateLimits(40, 1_000));
        var channel = Channel("metered");
        var node = CreateTestProbe();

        var grant = await RenewAsync(channel, node, Report(floor: 0, peak: 1, channelId: "metered", largestCall: 10));
        Assert.True(grant.Metered);
        Assert.Equal(2, grant.Requests);
        Assert.Equal(50, grant.Tokens);

        channel.Tell(new ChannelCommands.RenewLease("metered", 2, 60, 0, 0, 0, true, 0, 0, grant.Requests, grant.Tokens, 0, LeaseOutcomes.None), node.Ref);
        Assert.Equal(0, (await node.ExpectMsgAsync<ChannelCommands.LeaseGranted>()).Slots);

        Assert.InRange(await AdmitUntilRejectedAsync(channel, "metered", tokens: 1), 40, 41);
    }

    [Fact]
    public async Task RenewLease_Quota_IsTakenBeforehand_SoSlicesAndCallsNeverExceedIt()
    {
        _directory["metered"] = new ChannelPolicy(100, Breaker, new RateLimits(40, 100_000));
        var channel = Channel("metered");
        var (first, second) = (CreateTestProbe(), CreateTestProbe());

        var granted = 0L;
        for (var seq = 1; seq <= 5; seq++)
        {
            granted += (await RenewAsync(channel, first, Report(floor: 0, peak: 1, seq: seq, channelId: "metered"))).Requests;
            granted += (await RenewAsync(channel, second, Report(floor: 0, peak: 1, seq: seq, channelId: "metered"))).Requests;
        }

        var asked = await AdmitUntilRejectedAsync(channel, "metered", tokens: 1);

        // Each slice is a twentieth of the minute's requests; the bucket refills about one every 1.5 s while the test runs.
        Assert.Equal(20, granted);
        Assert.InRange(granted + asked, 40, 41);
    }

    private sealed class FixedDirectory : Dictionary<string, ChannelPolicy>, IChannelDirectory
    {
        public ChannelPolicy? Policy(string channelId) => TryGetValue(channelId, out var policy) ? policy : null;
    }
}
