using ActorRelay.Core.Policy;

namespace ActorRelay.Core.Tests.Policy;

public sealed class TokenBucketTests
{
    private static readonly long Start = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero).UtcTicks;

    private static long At(double seconds) => Start + (long)(seconds * TimeSpan.TicksPerSecond);

    private static TokenBucket Empty(long capacity, long refillAmount, TimeSpan period)
    {
        var bucket = new TokenBucket(capacity, refillAmount, period, Start);
        Assert.Equal(capacity, bucket.TryTakeBatch(capacity, Start));
        return bucket;
    }

    [Theory]
    [InlineData(1L)]
    [InlineData(60L)]
    [InlineData(1_000_000L)]
    [InlineData(long.MaxValue)]
    public void New_AnyCapacity_StartsFull(long capacity)
    {
        var bucket = TokenBucket.PerMinute(capacity, Start);

        Assert.Equal(capacity, bucket.Available(Start));
        Assert.Equal(TimeSpan.Zero, bucket.TimeUntilFull(Start));
    }

    [Theory]
    [InlineData(0L, 1L, 60.0)]
    [InlineData(-1L, 1L, 60.0)]
    [InlineData(1L, 0L, 60.0)]
    [InlineData(1L, 1L, 0.0)]
    public void New_NonPositiveSetting_Throws(long capacity, long refill, double periodSeconds)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new TokenBucket(capacity, refill, TimeSpan.FromSeconds(periodSeconds), Start));
    }

    [Theory]
    [InlineData(60L, 60L, 60.0, 1.0, 1L)]
    [InlineData(60L, 60L, 60.0, 0.9999999, 0L)]
    [InlineData(60L, 60L, 60.0, 30.5, 30L)]
    [InlineData(60L, 60L, 60.0, 60.0, 60L)]
    [InlineData(60L, 60L, 60.0, 3600.0, 60L)]
    [InlineData(1_000L, 1_000L, 60.0, 0.06, 1L)]
    [InlineData(1_000L, 1_000L, 60.0, 0.0599999, 0L)]
    [InlineData(1_000L, 1_000L, 60.0, 59.94, 999L)]
    [InlineData(10L, 1L, 1.0, 7.0, 7L)]
    [InlineData(10L, 3L, 7.0, 7.0, 3L)]
    [InlineData(10L, 3L, 7.0, 14.0, 6L)]
    public void Available_AfterEmptying_RefillsExactlyWithElapsedTime(long capacity, long refill, double periodSeconds, double elapsedSeconds, long expected)
    {
        var bucket = Empty(capacity, refill, TimeSpan.FromSeconds(periodSeconds));

        Assert.Equal(expected, bucket.Available(At(elapsedSeconds)));
    }

    [Fact]
    public void Available_ManyTinyRefills_EqualOneRefillExactly()
    {
        // 1,000 tokens a minute is 1/600,000 of a token per tick: not exact in binary floating point.
        var stepwise = Empty(1_000, 1_000, TimeSpan.FromMinutes(1));
        var once = Empty(1_000, 1_000, TimeSpan.FromMinutes(1));

        for (var tick = Start; tick <= At(59.97); tick += 7_919)
        {
            Assert.Equal(0, stepwise.TryTakeBatch(0, tick));
        }

        // 59.97 s refill 999.5 tokens; taking 999 leaves exactly half a token, which the next 30 ms complete.
        var end = At(59.97);
        Assert.Equal(once.Available(end), stepwise.Available(end));
        Assert.Equal(999, stepwise.Available(end));
        Assert.True(stepwise.TryTake(999, end, out _));
        Assert.False(stepwise.TryTake(1, end, out var retryAfter));
        Assert.Equal(TimeSpan.FromMilliseconds(30), retryAfter);
        Assert.Equal(0, stepwise.Available(At(60) - 1));
        Assert.Equal(1, stepwise.Available(At(60)));
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(5L)]
    [InlineData(60L)]
    public void TryTake_Available_TakesAndLeavesTheRest(long amount)
    {
        var bucket = TokenBucket.PerMinute(60, Start);

        Assert.True(bucket.TryTake(amount, Start, out var retryAfter));
        Assert.Equal(TimeSpan.Zero, retryAfter);
        Assert.Equal(60 - amount, bucket.Available(Start));
    }

    [Theory]
    [InlineData(0.0, 1L, 1.0)]
    [InlineData(0.0, 3L, 3.0)]
    [InlineData(0.25, 1L, 0.75)]
    [InlineData(2.5, 3L, 0.5)]
    [InlineData(0.0, 60L, 60.0)]
    public void TryTake_NotEnough_TakesNothingAndTellsWhenItWillFit(double elapsedSeconds, long amount, double retryAfterSeconds)
    {
        var bucket = Empty(60, 60, TimeSpan.FromMinutes(1));
        var now = At(elapsedSeconds);
        var before = bucket.Available(now);

        Assert.False(bucket.TryTake(amount, now, out var retryAfter));
        Assert.Equal(TimeSpan.FromSeconds(retryAfterSeconds), retryAfter);
        Assert.Equal(before, bucket.Available(now));
        Assert.True(bucket.TryTake(amount, now + retryAfter.Ticks, out _));
    }

    [Fact]
    public void TryTake_MoreThanCapacity_NeverFits()
    {
        var bucket = TokenBucket.PerMinute(100, Start);

        Assert.False(bucket.TryTake(101, At(3600), out var retryAfter));
        Assert.Equal(TimeSpan.MaxValue, retryAfter);
        Assert.Equal(TimeSpan.MaxValue, bucket.TimeUntilAvailable(101, Start));
        Assert.Equal(100, bucket.Available(Start));
    }

    [Fact]
    public void TryTake_NegativeAmount_Throws()
    {
        var bucket = TokenBucket.PerMinute(10, Start);

        Assert.Throws<ArgumentOutOfRangeException>(() => bucket.TryTake(-1, Start, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => bucket.TryTakeBatch(-1, Start));
        Assert.Throws<ArgumentOutOfRangeException>(() => bucket.GiveBack(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => bucket.TimeUntilAvailable(-1, Start));
    }

    [Theory]
    [InlineData(0.0, 10L, 0L)]
    [InlineData(1.5, 10L, 1L)]
    [InlineData(30.0, 10L, 10L)]
    [InlineData(30.0, 50L, 30L)]
    [InlineData(120.0, 1_000L, 60L)]
    [InlineData(120.0, 0L, 0L)]
    public void TryTakeBatch_GrantsWholeTokensUpToMax(double elapsedSeconds, long max, long granted)
    {
        var bucket = Empty(60, 60, TimeSpan.FromMinutes(1));
        var now = At(elapsedSeconds);
        var before = bucket.Available(now);

        Assert.Equal(granted, bucket.TryTakeBatch(max, now));
        Assert.Equal(before - granted, bucket.Available(now));
    }

    [Fact]
    public void TryTakeBatch_KeepsFractionOfAToken()
    {
        var bucket = Empty(60, 60, TimeSpan.FromMinutes(1));

        Assert.Equal(1, bucket.TryTakeBatch(10, At(1.5)));
        Assert.Equal(1, bucket.Available(At(2)));
    }

    [Theory]
    [InlineData(10L, 10L, 10L)]
    [InlineData(10L, 4L, 4L)]
    [InlineData(5L, 3L, 8L)]
    [InlineData(5L, 5L, 10L)]
    [InlineData(5L, 500L, 10L)]
    [InlineData(0L, long.MaxValue / 2, 10L)]
    public void GiveBack_AddsTokensButNeverAboveCapacity(long taken, long given, long expected)
    {
        var bucket = new TokenBucket(10, 1, TimeSpan.FromHours(1), Start);
        Assert.True(bucket.TryTake(taken, Start, out _));

        bucket.GiveBack(given);

        Assert.Equal(expected, bucket.Available(Start));
    }

    [Fact]
    public void GiveBack_ThenRefill_StaysAtCapacity()
    {
        var bucket = Empty(60, 60, TimeSpan.FromMinutes(1));

        bucket.GiveBack(59);

        Assert.Equal(60, bucket.Available(At(1)));
        Assert.Equal(60, bucket.Available(At(600)));
        Assert.Equal(TimeSpan.Zero, bucket.TimeUntilFull(At(1)));
    }

    [Fact]
    public void Available_ClockStepsBack_RefillsNothingAndCountsFromLatestTime()
    {
        var bucket = Empty(60, 60, TimeSpan.FromMinutes(1));
        Assert.Equal(10, bucket.TryTakeBatch(60, At(10)));

        Assert.Equal(0, bucket.Available(At(5)));
        Assert.False(bucket.TryTake(1, At(5), out var retryAfter));
        Assert.Equal(TimeSpan.FromSeconds(1), retryAfter);
        Assert.Equal(1, bucket.Available(At(11)));
    }

    [Theory]
    [InlineData(0.0, 60.0)]
    [InlineData(15.0, 45.0)]
    [InlineData(59.9, 0.1)]
    [InlineData(61.0, 0.0)]
    public void TimeUntilFull_AfterEmptying_CountsDownToZero(double elapsedSeconds, double expectedSeconds)
    {
        var bucket = Empty(60, 60, TimeSpan.FromMinutes(1));

        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), bucket.TimeUntilFull(At(elapsedSeconds)));
    }

    [Fact]
    public void Available_HugeCapacity_NoOverflow()
    {
        var bucket = Empty(long.MaxValue, long.MaxValue, TimeSpan.FromMinutes(1));

        Assert.Equal(long.MaxValue / 60, bucket.Available(At(1)));
        Assert.Equal(long.MaxValue, bucket.Available(At(1_000_000_000)));
    }

    [Fact]
    public void Operations_RandomMix_LevelStaysWithinZeroAndCapacity()
    {
        var random = new Random(17);
        var bucket = TokenBucket.PerMinute(500, Start);
        var now = Start;
        long taken = 0;
        long given = 0;

        for (var i = 0; i < 20_000; i++)
        {
            now += random.Next(0, 2_000_000);
            var amount = random.Next(0, 40);
            switch (random.Next(3))
            {
                case 0:
                    taken += bucket.TryTake(amount, now, out _) ? amount : 0;
                    break;
                case 1:
                    taken += bucket.TryTakeBatch(amount, now);
                    break;
                default:
                    var back = Math.Min(amount, taken - given);
                    bucket.GiveBack(back);
                    given += back;
                    break;
            }

            Assert.InRange(bucket.Available(now), 0, 500);
        }

        // Net of what came back, it never handed out more than it held at the start plus what refilled since.
        var refilled = (now - Start) * 500 / TimeSpan.TicksPerMinute;
        Assert.True(taken - given <= 500 + refilled);
    }

    [Fact]
    public void Operations_Warm_AllocateNothing()
    {
        var bucket = TokenBucket.PerMinute(1_000, Start);
        bucket.TryTake(1, Start, out _);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1_000; i++)
        {
            var now = At(i * 0.01);
            bucket.TryTake(3, now, out _);
            bucket.TryTakeBatch(2, now);
            bucket.GiveBack(1);
            bucket.Available(now);
            bucket.TimeUntilFull(now);
        }

        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }
}
