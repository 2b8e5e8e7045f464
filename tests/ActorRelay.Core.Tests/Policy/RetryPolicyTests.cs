using ActorRelay.Core.Policy;

namespace ActorRelay.Core.Tests.Policy;

public sealed class RetryPolicyTests
{
    private static readonly DateTimeOffset Now = new(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly RetryPolicy Policy = new()
    {
        MaxAttempts = 4,
        BaseDelay = TimeSpan.FromMilliseconds(100),
        MaxDelay = TimeSpan.FromSeconds(1),
        MaxRetryAfter = TimeSpan.FromSeconds(20),
    };

    private static readonly Func<double> NoDraw = () => throw new InvalidOperationException("No random number was expected.");

    [Theory]
    [InlineData(null, FailureKind.Connect, true)]
    [InlineData(null, FailureKind.Timeout, true)]
    [InlineData(null, FailureKind.Interrupted, true)]
    [InlineData(429, FailureKind.HttpStatus, true)]
    [InlineData(500, FailureKind.HttpStatus, true)]
    [InlineData(501, FailureKind.HttpStatus, true)]
    [InlineData(502, FailureKind.HttpStatus, true)]
    [InlineData(503, FailureKind.HttpStatus, true)]
    [InlineData(504, FailureKind.HttpStatus, true)]
    [InlineData(529, FailureKind.HttpStatus, true)]
    [InlineData(599, FailureKind.HttpStatus, true)]
    [InlineData(400, FailureKind.HttpStatus, false)]
    [InlineData(401, FailureKind.HttpStatus, false)]
    [InlineData(403, FailureKind.HttpStatus, false)]
    [InlineData(404, FailureKind.HttpStatus, false)]
    [InlineData(408, FailureKind.HttpStatus, false)]
    [InlineData(409, FailureKind.HttpStatus, false)]
    [InlineData(413, FailureKind.HttpStatus, false)]
    [InlineData(422, FailureKind.HttpStatus, false)]
    [InlineData(499, FailureKind.HttpStatus, false)]
    [InlineData(200, FailureKind.HttpStatus, false)]
    [InlineData(302, FailureKind.HttpStatus, false)]
    [InlineData(600, FailureKind.HttpStatus, false)]
    [InlineData(null, FailureKind.HttpStatus, false)]
    [InlineData(null, FailureKind.Cancelled, false)]
    [InlineData(503, FailureKind.Cancelled, false)]
    [InlineData(400, FailureKind.Timeout, true)]
    public void IsRetryable_BeforeFirstByte_ClassifiesFailure(int? status, FailureKind kind, bool expected)
    {
        Assert.Equal(expected, RetryPolicy.IsRetryable(status, kind, firstByteSent: false));
    }

    [Theory]
    [InlineData(null, FailureKind.Connect)]
    [InlineData(null, FailureKind.Timeout)]
    [InlineData(null, FailureKind.Interrupted)]
    [InlineData(429, FailureKind.HttpStatus)]
    [InlineData(503, FailureKind.HttpStatus)]
    public void IsRetryable_AfterFirstByte_Never(int? status, FailureKind kind)
    {
        Assert.False(RetryPolicy.IsRetryable(status, kind, firstByteSent: true));
    }

    [Theory]
    [InlineData(1, 100)]
    [InlineData(2, 200)]
    [InlineData(3, 400)]
    [InlineData(4, 800)]
    [InlineData(5, 1_000)]
    [InlineData(64, 1_000)]
    [InlineData(int.MaxValue, 1_000)]
    public void NextDelay_FullJitter_StaysWithinTheExponentialCeiling(int attempt, int ceilingMs)
    {
        var random = new Random(attempt).NextDouble;
        var ceiling = TimeSpan.FromMilliseconds(ceilingMs);
        var sum = TimeSpan.Zero;

        for (var i = 0; i < 2_000; i++)
        {
            var delay = Policy.NextDelay(attempt, null, random);
            Assert.InRange(delay, TimeSpan.Zero, ceiling);
            sum += delay;
        }

        // Full jitter is uniform over [0, ceiling): the mean is half the ceiling.
        Assert.InRange(sum / 2_000, ceiling * 0.45, ceiling * 0.55);
    }

    [Theory]
    [InlineData(1, 0.0, 0)]
    [InlineData(1, 0.5, 50)]
    [InlineData(3, 0.25, 100)]
    [InlineData(4, 0.999, 799.2)]
    [InlineData(9, 0.5, 500)]
    [InlineData(2, 1.0, 200)]
    public void NextDelay_Draw_ScalesTheCeiling(int attempt, double draw, double expectedMs)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), Policy.NextDelay(attempt, null, () => draw));
    }

    [Theory]
    [InlineData(1, 2.0, 2.0)]
    [InlineData(3, 0.0, 0.0)]
    [InlineData(2, 19.5, 19.5)]
    [InlineData(1, 20.0, 20.0)]
    [InlineData(1, 3_600.0, 20.0)]
    [InlineData(1, -5.0, 0.0)]
    public void NextDelay_RetryAfter_HonouredUpToTheCapWithoutJitter(int attempt, double retryAfterSeconds, double expectedSeconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), Policy.NextDelay(attempt, TimeSpan.FromSeconds(retryAfterSeconds), NoDraw));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void NextDelay_AttemptBelowOne_Throws(int attempt)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Policy.NextDelay(attempt, null, NoDraw));
    }

    [Theory]
    [InlineData(1, 10.0, 0.5, true)]
    [InlineData(3, 10.0, 0.5, true)]
    [InlineData(4, 10.0, 0.5, false)]
    [InlineData(9, 10.0, 0.0, false)]
    [InlineData(1, 0.5, 0.4999, true)]
    [InlineData(1, 0.5, 0.5, false)]
    [InlineData(1, 0.5, 2.0, false)]
    [InlineData(1, 0.0, 0.0, false)]
    [InlineData(1, -1.0, 0.0, false)]
    public void ShouldRetry_BoundedByAttemptsAndDeadline(int attempt, double secondsToDeadline, double delaySeconds, bool expected)
    {
        Assert.Equal(expected, Policy.ShouldRetry(attempt, Now, Now.AddSeconds(secondsToDeadline), TimeSpan.FromSeconds(delaySeconds)));
    }

    [Fact]
    public void ShouldRetry_HugeDelay_NoOverflow()
    {
        Assert.False(Policy.ShouldRetry(1, Now, DateTimeOffset.MaxValue, TimeSpan.MaxValue));
    }

    [Fact]
    public void Retries_VendorKeepsFailing_WaitsStayInsideTheDeadline()
    {
        // The loop the relay runs: each wait is drawn, then checked against the attempts left and the deadline.
        var policy = Policy with { MaxAttempts = 10 };
        var deadline = Now.AddSeconds(2);
        var random = new Random(4).NextDouble;
        var now = Now;
        var attempt = 1;

        while (true)
        {
            var delay = policy.NextDelay(attempt, null, random);
            if (!policy.ShouldRetry(attempt, now, deadline, delay))
            {
                break;
            }

            now += delay + TimeSpan.FromMilliseconds(50);
            attempt++;
        }

        Assert.InRange(attempt, 2, 10);
        Assert.True(now < deadline + TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void Validate_Defaults_ReturnNoError()
    {
        Assert.Empty(new RetryPolicy().Validate());
        Assert.Empty(Policy.Validate());
    }

    [Theory]
    [InlineData("MaxAttempts", "MaxAttempts 0 must be at least 1.")]
    [InlineData("BaseDelay", "BaseDelay -00:00:01 must not be negative.")]
    [InlineData("MaxDelay", "MaxDelay 00:00:00.0500000 must be at least BaseDelay 00:00:00.1000000.")]
    [InlineData("MaxRetryAfter", "MaxRetryAfter -00:00:01 must not be negative.")]
    public void Validate_BadSetting_NamesIt(string setting, string error)
    {
        var policy = setting switch
        {
            "MaxAttempts" => Policy with { MaxAttempts = 0 },
            "BaseDelay" => Policy with { BaseDelay = TimeSpan.FromSeconds(-1) },
            "MaxDelay" => Policy with { MaxDelay = TimeSpan.FromMilliseconds(50) },
            _ => Policy with { MaxRetryAfter = TimeSpan.FromSeconds(-1) },
        };

        Assert.Equal([error], policy.Validate());
    }
}
