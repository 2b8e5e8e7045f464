using ActorRelay.Core.Policy;

namespace ActorRelay.Core.Tests.Policy;

public sealed class RateLimiterTests
{
    private static readonly long Start = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero).UtcTicks;

    private static long At(double seconds) => Start + (long)(seconds * TimeSpan.TicksPerSecond);

    [Fact]
    public void Decide_FirstCall_AllowedWithHeaderValues()
    {
        var limiter = new RateLimiter(new RateLimits(60, 10_000), Start);

        var decision = limiter.Decide(Start, 1_000);

        Assert.Equal(
            new RateDecision(
                Allowed: true,
                RetryAfter: TimeSpan.Zero,
                RemainingRequests: 59,
                RemainingTokens: 9_000,
                ResetRequests: TimeSpan.FromSeconds(1),
                ResetTokens: TimeSpan.FromSeconds(6),
                LimitRequests: 60,
                LimitTokens: 10_000),
            decision);
        Assert.False(decision.TooLarge);
    }

    [Theory]
    [InlineData(2L, 1_000L, 10L, 0.0, 2, 30.0, 980L)]
    [InlineData(2L, 1_000L, 10L, 10.0, 2, 20.0, 1_000L)]
    [InlineData(3L, 1_000L, 10L, 0.0, 3, 20.0, 970L)]
    [InlineData(600L, 1_000L, 0L, 0.0, 600, 0.1, 1_000L)]
    public void Decide_RequestsExhausted_RefusedWithRetryAfterUntilNextRequest(
        long rpm, long tpm, long tokens, double elapsed, int calls, double retryAfterSeconds, long remainingTokens)
    {
        var limiter = new RateLimiter(new RateLimits(rpm, tpm), Start);
        for (var i = 0; i < calls; i++)
        {
            Assert.True(limiter.Decide(Start, tokens).Allowed);
        }

        var now = At(elapsed);
        var refused = limiter.Decide(now, tokens);

        Assert.False(refused.Allowed);
        Assert.Equal(TimeSpan.FromSeconds(retryAfterSeconds), refused.RetryAfter);
        Assert.Equal(0, refused.RemainingRequests);
        Assert.Equal(remainingTokens, refused.RemainingTokens);
        Assert.True(limiter.Decide(now + refused.RetryAfter.Ticks, tokens).Allowed);
    }

    [Fact]
    public void Decide_TokensExhausted_RefusedWithoutSpendingARequest()
    {
        var limiter = new RateLimiter(new RateLimits(100, 6_000), Start);
        Assert.True(limiter.Decide(Start, 5_000).Allowed);

        var refused = limiter.Decide(Start, 2_000);

        Assert.False(refused.Allowed);
        Assert.Equal(99, refused.RemainingRequests);
        Assert.Equal(1_000, refused.RemainingTokens);
        Assert.Equal(TimeSpan.FromSeconds(10), refused.RetryAfter);
        Assert.Equal(TimeSpan.FromSeconds(50), refused.ResetTokens);
        Assert.False(limiter.Decide(At(9.9), 2_000).Allowed);
        Assert.True(limiter.Decide(At(10), 2_000).Allowed);
    }

    [Fact]
    public void Decide_BothExhausted_RetryAfterIsTheLongerWait()
    {
        var limiter = new RateLimiter(new RateLimits(1, 600), Start);
        Assert.True(limiter.Decide(Start, 600).Allowed);

        var refused = limiter.Decide(At(30), 600);

        Assert.False(refused.Allowed);
        Assert.Equal(TimeSpan.FromSeconds(30), refused.RetryAfter);
        Assert.Equal(TimeSpan.FromSeconds(30), refused.ResetRequests);
        Assert.Equal(TimeSpan.FromSeconds(30), refused.ResetTokens);
    }

    [Fact]
    public void Decide_MoreTokensThanTheLimit_TooLarge()
    {
        var limiter = new RateLimiter(new RateLimits(100, 4_096), Start);

        var refused = limiter.Decide(Start, 4_097);

        Assert.False(refused.Allowed);
        Assert.True(refused.TooLarge);
        Assert.Equal(TimeSpan.MaxValue, refused.RetryAfter);
        Assert.Equal(100, refused.RemainingRequests);
        Assert.Equal(4_096, refused.RemainingTokens);
    }

    [Theory]
    [InlineData(0.0, 2L, 650L, 48.0, 21.0)]
    [InlineData(3.0, 2L, 700L, 45.0, 18.0)]
    [InlineData(10.0, 3L, 816L, 38.0, 11.0)]
    [InlineData(60.0, 9L, 1_000L, 6.0, 0.0)]
    public void Decide_OverTime_HeadersTrackRefill(double elapsed, long remainingRequests, long remainingTokens, double resetRequests, double resetTokens)
    {
        // 10 requests and 1,000 tokens a minute: a request refills every 6 s, 50 tokens every 3 s.
        // Seven calls of 50 tokens at the start, then one call without tokens after `elapsed`.
        var limiter = new RateLimiter(new RateLimits(10, 1_000), Start);
        for (var i = 0; i < 7; i++)
        {
            Assert.True(limiter.Decide(Start, 50).Allowed);
        }

        var decision = limiter.Decide(At(elapsed), 0);

        Assert.True(decision.Allowed);
        Assert.Equal(remainingRequests, decision.RemainingRequests);
        Assert.Equal(remainingTokens, decision.RemainingTokens);
        Assert.Equal(TimeSpan.FromSeconds(resetRequests), decision.ResetRequests);
        Assert.Equal(TimeSpan.FromSeconds(resetTokens), decision.ResetTokens);
    }

    [Fact]
    public void Decide_SustainedLoad_AdmitsNoMoreThanTheLimitPerMinute()
    {
        var limiter = new RateLimiter(new RateLimits(120, 1_000_000), Start);
        var admitted = 0;

        for (var ms = 0; ms < 10 * 60_000; ms += 10)
        {
            admitted += limiter.Decide(At(ms / 1_000.0), 1).Allowed ? 1 : 0;
        }

        // A full bucket at the start, then one request every 0.5 s; the 1,200th refill lands at 10 min, after the loop.
        Assert.Equal(120 + 1_200 - 1, admitted);
    }

    [Fact]
    public void Buckets_LeaseSlices_ComeOutOfTheSameLimits()
    {
        var limiter = new RateLimiter(new RateLimits(100, 10_000), Start);

        Assert.Equal(25, limiter.Requests.TryTakeBatch(25, Start));
        Assert.Equal(10_000, limiter.Tokens.TryTakeBatch(20_000, Start));
        limiter.Tokens.GiveBack(4_000);

        var decision = limiter.Decide(Start, 4_000);
        Assert.True(decision.Allowed);
        Assert.Equal(74, decision.RemainingRequests);
        Assert.Equal(0, decision.RemainingTokens);
    }

    [Fact]
    public void Decide_Warm_AllocatesNothing()
    {
        var limiter = new RateLimiter(new RateLimits(600, 100_000), Start);
        limiter.Decide(Start, 10);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1_000; i++)
        {
            limiter.Decide(At(i * 0.05), 120);
        }

        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }

    [Fact]
    public void Decide_NegativeTokens_Throws()
    {
        var limiter = new RateLimiter(new RateLimits(1, 1), Start);

        Assert.Throws<ArgumentOutOfRangeException>(() => limiter.Decide(Start, -1));
    }

    [Theory]
    [InlineData(0L, 10L, "RequestsPerMinute 0 must be positive.")]
    [InlineData(10L, -5L, "TokensPerMinute -5 must be positive.")]
    public void Validate_NonPositiveLimit_NamesIt(long rpm, long tpm, string error)
    {
        var limits = new RateLimits(rpm, tpm);

        Assert.Equal([error], limits.Validate());
        var thrown = Assert.Throws<ArgumentException>(() => new RateLimiter(limits, Start));
        Assert.StartsWith(error, thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_PositiveLimits_ReturnsNoError()
    {
        Assert.Empty(new RateLimits(1, 1).Validate());
    }

    [Fact]
    public void WouldAllow_TakesNothing()
    {
        var limiter = new RateLimiter(new RateLimits(1, 100), Start);

        Assert.True(limiter.WouldAllow(Start, 100));
        Assert.True(limiter.WouldAllow(Start, 100));
        Assert.False(limiter.WouldAllow(Start, 101));
        Assert.True(limiter.Decide(Start, 100).Allowed);
        Assert.False(limiter.WouldAllow(Start, 0));
    }

    [Fact]
    public void Resize_CarriesOverConsumption()
    {
        var limiter = new RateLimiter(new RateLimits(10, 1_000), Start);
        for (var i = 0; i < 4; i++)
        {
            Assert.True(limiter.Decide(Start, 100).Allowed);
        }

        var raised = limiter.Resize(new RateLimits(20, 2_000), Start);
        var lowered = limiter.Resize(new RateLimits(3, 300), Start);

        Assert.Equal(16, raised.Requests.Available(Start));
        Assert.Equal(1_600, raised.Tokens.Available(Start));
        Assert.Equal(0, lowered.Requests.Available(Start));
        Assert.Equal(0, lowered.Tokens.Available(Start));
        Assert.Equal(new RateLimits(20, 2_000), raised.Limits);
    }
}
