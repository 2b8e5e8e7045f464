using ActorRelay.Actors.RateLimiting;
using ActorRelay.Core.Policy;
using Akka.Actor;
using Akka.Hosting;
using Akka.Hosting.TestKit;

namespace ActorRelay.Actors.Tests.RateLimiting;

public sealed class RateLimitActorSpecs(ITestOutputHelper output) : TestKit(output: output)
{
    private static readonly RateLimits Tenant = new(3, 1_000);
    private static readonly RateLimits Key = new(2, 1_000);

    protected override void ConfigureAkka(AkkaConfigurationBuilder builder, IServiceProvider provider)
    {
    }

    private IActorRef Limiter() => Sys.ActorOf(Props.Create(() => new RateLimitActor()));

    [Fact]
    public async Task Acquire_KeyExhausted_RefusesWithoutTakingFromTheTenant()
    {
        var limiter = Limiter();

        for (var i = 0; i < 2; i++)
        {
            Assert.True((await limiter.Ask<RateLimitCommands.Acquired>(new RateLimitCommands.Acquire("t", "k1", Tenant, Key, 10))).Allowed);
        }

        var refused = await limiter.Ask<RateLimitCommands.Acquired>(new RateLimitCommands.Acquire("t", "k1", Tenant, Key, 10));
        Assert.False(refused.Allowed);
        Assert.False(refused.Key!.Value.Allowed);
        Assert.Null(refused.Tenant);

        var otherKey = await limiter.Ask<RateLimitCommands.Acquired>(new RateLimitCommands.Acquire("t", "k2", Tenant, Key, 10));
        Assert.True(otherKey.Allowed);
        Assert.Equal(0, otherKey.Tenant!.Value.RemainingRequests);

        var tenantFull = await limiter.Ask<RateLimitCommands.Acquired>(new RateLimitCommands.Acquire("t", "k3", Tenant, Key, 10));
        Assert.False(tenantFull.Allowed);
        Assert.False(tenantFull.Tenant!.Value.Allowed);
        Assert.True(tenantFull.Tenant.Value.RetryAfter > TimeSpan.Zero);
    }

    [Fact]
    public async Task GiveBack_ReturnsUnusedTokens()
    {
        var limiter = Limiter();
        var limits = new RateLimits(100, 100);

        Assert.True((await limiter.Ask<RateLimitCommands.Acquired>(new RateLimitCommands.Acquire("t", null, limits, null, 100))).Allowed);
        Assert.False((await limiter.Ask<RateLimitCommands.Acquired>(new RateLimitCommands.Acquire("t", null, limits, null, 40))).Allowed);
        limiter.Tell(new RateLimitCommands.GiveBack("t", null, new RateGrant(0, 60), default));

        var after = await limiter.Ask<RateLimitCommands.Acquired>(new RateLimitCommands.Acquire("t", null, limits, null, 40));
        Assert.True(after.Allowed);
        Assert.InRange(after.Tenant!.Value.RemainingTokens, 20, 21);
    }

    [Fact]
    public async Task Acquire_WithLease_TakesFurtherCallsFromTheBucketsUntilReturned()
    {
        var limiter = Limiter();
        var limits = new RateLimits(10, 10_000);

        var leased = await limiter.Ask<RateLimitCommands.Acquired>(new RateLimitCommands.Acquire("t", "k1", limits, Key, 100, LeaseCalls: 4));
        var second = await limiter.Ask<RateLimitCommands.Acquired>(new RateLimitCommands.Acquire("t", "k2", limits, Key, 100, LeaseCalls: 4));

        // The key (2 a minute) could lease one more call; the tenant (10) three more, for each caller.
        Assert.Equal(new RateGrant(1, 100), leased.KeyLease);
        Assert.Equal(new RateGrant(3, 300), leased.TenantLease);
        Assert.Equal(new RateGrant(3, 300), second.TenantLease);
        var exhausted = await limiter.Ask<RateLimitCommands.Acquired>(new RateLimitCommands.Acquire("t", "k3", limits, Key, 100, LeaseCalls: 4));
        Assert.True(exhausted.Allowed);
        Assert.Equal(new RateGrant(1, 100), exhausted.TenantLease);
        Assert.False((await limiter.Ask<RateLimitCommands.Acquired>(new RateLimitCommands.Acquire("t", "k4", limits, Key, 100))).Allowed);

        limiter.Tell(new RateLimitCommands.GiveBack("t", null, new RateGrant(3, 300), default));
        var afterReturn = await limiter.Ask<RateLimitCommands.Acquired>(new RateLimitCommands.Acquire("t", "k4", limits, Key, 100));
        Assert.True(afterReturn.Allowed);
        Assert.Equal(2, afterReturn.Tenant!.Value.RemainingRequests);
    }
}
