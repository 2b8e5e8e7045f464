using ActorRelay.Core.Policy;

namespace ActorRelay.Core.Tests.Policy;

public sealed class CircuitBreakerTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Small numbers for readable tables: 3 in a row, or 50% of at least 4 calls in 10 s; 5 s cool-down.</summary>
    private static readonly CircuitBreakerOptions Options = new()
    {
        ConsecutiveFailures = 3,
        FailureRatePercent = 50,
        SamplingWindow = TimeSpan.FromSeconds(10),
        SamplingBuckets = 10,
        MinimumCalls = 4,
        BreakDuration = TimeSpan.FromSeconds(5),
        BreakDurationMultiplier = 2,
        MaxBreakDuration = TimeSpan.FromSeconds(25),
        ProbeCalls = 2,
    };

    private static DateTimeOffset At(double seconds) => T0.AddSeconds(seconds);

    /// <summary>Reports "S" (success) and "F" (failure) outcomes one per 100 ms from <paramref name="start"/>.</summary>
    private static void Play(CircuitBreaker breaker, string outcomes, double start = 0)
    {
        for (var i = 0; i < outcomes.Length; i++)
        {
            var now = At(start + (i * 0.1));
            Assert.True(breaker.TryAdmit(now, out _));
            if (outcomes[i] == 'S')
            {
                breaker.OnSuccess(now);
            }
            else
            {
                breaker.OnFailure(now);
            }
        }
    }

    private static CircuitBreaker OpenedAtZero()
    {
        var breaker = new CircuitBreaker(Options);
        Play(breaker, "FFF");
        Assert.Equal(CircuitState.Open, breaker.State);
        return breaker;
    }

    [Fact]
    public void New_Closed_AdmitsCallsThatAreNotProbes()
    {
        var breaker = new CircuitBreaker(new CircuitBreakerOptions());

        Assert.True(breaker.TryAdmit(T0, out var probe));
        Assert.False(probe);
        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.Null(breaker.OpenedAt);
        Assert.True(breaker.CanAdmit(T0));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(5)]
    public void OnFailure_ConsecutiveFailuresReachThreshold_Opens(int threshold)
    {
        var breaker = new CircuitBreaker(Options with { ConsecutiveFailures = threshold, MinimumCalls = 1_000 });

        Play(breaker, new string('F', threshold - 1));
        Assert.Equal(CircuitState.Closed, breaker.State);

        breaker.OnFailure(At(9));

        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal(At(9), breaker.OpenedAt);
        Assert.Equal(CircuitTrip.ConsecutiveFailures, breaker.LastTrip);
        Assert.Equal(1, breaker.TimesOpened);
    }

    [Theory]
    [InlineData("FFSFF")]
    [InlineData("SFFSFFS")]
    [InlineData("FSFSFSFS")]
    public void OnSuccess_BetweenFailures_ResetsTheConsecutiveCount(string outcomes)
    {
        var breaker = new CircuitBreaker(Options with { MinimumCalls = 1_000 });

        Play(breaker, outcomes);

        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Theory]
    [InlineData(50.0, 4, "SFSF", CircuitState.Open)]
    [InlineData(50.0, 4, "SFS", CircuitState.Closed)]
    [InlineData(50.0, 4, "SSSF", CircuitState.Closed)]
    [InlineData(50.0, 6, "SFSFSF", CircuitState.Open)]
    [InlineData(50.0, 6, "SFSFS", CircuitState.Closed)]
    [InlineData(25.0, 4, "SSSF", CircuitState.Open)]
    [InlineData(40.0, 10, "SSFSSFSSFSSF", CircuitState.Closed)]
    [InlineData(30.0, 10, "SSFSSFSSFSSF", CircuitState.Open)]
    [InlineData(100.0, 4, "SFFSFF", CircuitState.Closed)]
    public void OnFailure_FailureRateOverWindow_OpensOnlyWithEnoughCalls(double percent, int minimumCalls, string outcomes, CircuitState expected)
    {
        var breaker = new CircuitBreaker(Options with { FailureRatePercent = percent, MinimumCalls = minimumCalls });

        Play(breaker, outcomes);

        Assert.Equal(expected, breaker.State);
        Assert.Equal(expected == CircuitState.Open ? CircuitTrip.FailureRate : null, breaker.LastTrip);
    }

    [Theory]
    [InlineData(9.0, CircuitState.Open)]
    [InlineData(10.5, CircuitState.Closed)]
    public void OnFailure_OldCallsLeaveTheWindow(double secondsLater, CircuitState expected)
    {
        // Two failures and a success at the start; after the window has passed they no longer count.
        var breaker = new CircuitBreaker(Options);
        Play(breaker, "FSF");

        Play(breaker, "S", secondsLater);
        breaker.OnFailure(At(secondsLater));

        Assert.Equal(expected, breaker.State);
        Assert.Equal(expected == CircuitState.Closed ? 2 : 5, breaker.Snapshot(At(secondsLater)).WindowCalls);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(2.5)]
    [InlineData(4.99)]
    public void TryAdmit_WhileOpen_ShedsUntilTheCoolDownPassed(double secondsAfterOpening)
    {
        var breaker = OpenedAtZero();
        var now = At(0.2 + secondsAfterOpening);

        Assert.False(breaker.CanAdmit(now));
        Assert.False(breaker.TryAdmit(now, out var probe));
        Assert.False(probe);
        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public void TryAdmit_AfterCoolDown_HalfOpensAndAdmitsOnlyTheProbes()
    {
        var breaker = OpenedAtZero();
        var now = At(5.2);

        Assert.True(breaker.CanAdmit(now));
        Assert.True(breaker.TryAdmit(now, out var first));
        Assert.Equal(CircuitState.HalfOpen, breaker.State);
        Assert.True(breaker.TryAdmit(now, out var second));
        Assert.False(breaker.CanAdmit(now));
        Assert.False(breaker.TryAdmit(now, out var third));

        Assert.True(first);
        Assert.True(second);
        Assert.False(third);
    }

    [Fact]
    public void OnSuccess_AllProbesSucceed_Closes()
    {
        var breaker = OpenedAtZero();
        breaker.TryAdmit(At(6), out _);
        breaker.TryAdmit(At(6), out _);

        breaker.OnSuccess(At(7));
        Assert.Equal(CircuitState.HalfOpen, breaker.State);
        breaker.OnSuccess(At(7));

        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.Null(breaker.OpenedAt);
        Assert.Equal(0, breaker.ConsecutiveFailures);
        Assert.Equal(Options.BreakDuration, breaker.BreakDuration);
        Assert.True(breaker.TryAdmit(At(7), out var probe));
        Assert.False(probe);
    }

    [Fact]
    public void OnFailure_AfterClosing_CountsFromAFreshWindow()
    {
        var breaker = new CircuitBreaker(Options with { ConsecutiveFailures = 100 });
        Play(breaker, "SFSF");
        Assert.Equal(CircuitTrip.FailureRate, breaker.LastTrip);
        breaker.TryAdmit(At(6), out _);
        breaker.TryAdmit(At(6), out _);
        breaker.OnSuccess(At(6));
        breaker.OnSuccess(At(6));

        Play(breaker, "SFS", 6.1);

        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.Equal(new CircuitBreakerSnapshot(CircuitState.Closed, null, null, Options.BreakDuration, 0, 3, 1, 0, 0, 1, CircuitTrip.FailureRate), breaker.Snapshot(At(6.3)));
    }

    [Theory]
    [InlineData(1, 10.0)]
    [InlineData(2, 20.0)]
    [InlineData(3, 25.0)]
    [InlineData(4, 25.0)]
    public void OnFailure_ProbeFails_ReopensWithGrowingCoolDownUpToMax(int failedRounds, double expectedCoolDown)
    {
        var breaker = OpenedAtZero();
        var now = At(0.2);

        for (var round = 0; round < failedRounds; round++)
        {
            now += breaker.BreakDuration;
            Assert.False(breaker.TryAdmit(now - TimeSpan.FromTicks(1), out _));
            Assert.True(breaker.TryAdmit(now, out var probe));
            Assert.True(probe);
            breaker.OnFailure(now);
            Assert.Equal(CircuitState.Open, breaker.State);
            Assert.Equal(now, breaker.OpenedAt);
        }

        Assert.Equal(TimeSpan.FromSeconds(expectedCoolDown), breaker.BreakDuration);
        Assert.Equal(CircuitTrip.ProbeFailed, breaker.LastTrip);
        Assert.Equal(1 + failedRounds, breaker.TimesOpened);
    }

    [Fact]
    public void OnFailure_ProbeFailsAfterOneSucceeded_Reopens()
    {
        var breaker = OpenedAtZero();
        breaker.TryAdmit(At(6), out _);
        breaker.TryAdmit(At(6), out _);

        breaker.OnSuccess(At(6.5));
        breaker.OnFailure(At(7));

        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal(At(7), breaker.OpenedAt);
        Assert.False(breaker.TryAdmit(At(16.9), out _));
        Assert.True(breaker.TryAdmit(At(17), out _));
    }

    [Fact]
    public void OnSuccess_AfterGrownCoolDownCloses_NextOpeningUsesTheBaseCoolDown()
    {
        var breaker = OpenedAtZero();
        breaker.TryAdmit(At(6), out _);
        breaker.OnFailure(At(6));
        Assert.Equal(TimeSpan.FromSeconds(10), breaker.BreakDuration);
        breaker.TryAdmit(At(16), out _);
        breaker.TryAdmit(At(16), out _);
        breaker.OnSuccess(At(16));
        breaker.OnSuccess(At(16));

        Play(breaker, "FFF", 17);

        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal(TimeSpan.FromSeconds(5), breaker.BreakDuration);
    }

    [Fact]
    public void Outcomes_WhileOpen_AreIgnored()
    {
        var breaker = OpenedAtZero();

        breaker.OnFailure(At(1));
        breaker.OnSuccess(At(2));
        breaker.OnCancelled();

        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal(At(0.2), breaker.OpenedAt);
        Assert.Equal(1, breaker.TimesOpened);
        Assert.True(breaker.TryAdmit(At(5.2), out _));
    }

    [Fact]
    public void OnCancelled_HalfOpenProbe_FreesItsSlot()
    {
        var breaker = OpenedAtZero();
        breaker.TryAdmit(At(6), out _);
        breaker.TryAdmit(At(6), out _);
        Assert.False(breaker.TryAdmit(At(6), out _));

        breaker.OnCancelled();

        Assert.True(breaker.TryAdmit(At(6), out var probe));
        Assert.True(probe);
    }

    [Fact]
    public void OnCancelled_NoProbeOutstanding_ChangesNothing()
    {
        var breaker = OpenedAtZero();
        breaker.TryAdmit(At(6), out _);
        breaker.OnSuccess(At(6));

        breaker.OnCancelled();

        Assert.True(breaker.TryAdmit(At(6), out _));
        Assert.False(breaker.TryAdmit(At(6), out _));
    }

    [Fact]
    public void Snapshot_Open_ReportsWhenItHalfOpens()
    {
        var breaker = OpenedAtZero();

        Assert.Equal(
            new CircuitBreakerSnapshot(CircuitState.Open, At(0.2), At(5.2), TimeSpan.FromSeconds(5), 3, 3, 3, 0, 0, 1, CircuitTrip.ConsecutiveFailures),
            breaker.Snapshot(At(1)));
    }

    [Fact]
    public void Snapshot_HalfOpen_ReportsProbes()
    {
        var breaker = OpenedAtZero();
        breaker.TryAdmit(At(6), out _);
        breaker.TryAdmit(At(6), out _);
        breaker.OnSuccess(At(6));

        var snapshot = breaker.Snapshot(At(6));

        Assert.Equal(CircuitState.HalfOpen, snapshot.State);
        Assert.Equal(At(0.2), snapshot.OpenedAt);
        Assert.Null(snapshot.HalfOpensAt);
        Assert.Equal(1, snapshot.ProbesInFlight);
        Assert.Equal(1, snapshot.ProbeSuccesses);
    }

    [Fact]
    public void TryAdmit_ManyCalls_AllocatesNothing()
    {
        var breaker = new CircuitBreaker(Options with { ConsecutiveFailures = 1_000, MinimumCalls = 1_000 });
        Play(breaker, "SF");

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1_000; i++)
        {
            var now = At(i * 0.01);
            breaker.TryAdmit(now, out _);
            if (i % 3 == 0)
            {
                breaker.OnFailure(now);
            }
            else
            {
                breaker.OnSuccess(now);
            }
        }

        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }

    [Theory]
    [InlineData("ConsecutiveFailures", "ConsecutiveFailures 0 must be at least 1.")]
    [InlineData("FailureRatePercent", "FailureRatePercent 0 must be above 0 and at most 100.")]
    [InlineData("SamplingBuckets", "SamplingBuckets 0 must be at least 1.")]
    [InlineData("SamplingWindow", "SamplingWindow 00:00:00 must be positive and span at least one tick per bucket.")]
    [InlineData("MinimumCalls", "MinimumCalls 0 must be at least 1.")]
    [InlineData("BreakDuration", "BreakDuration 00:00:00 must be positive.")]
    [InlineData("BreakDurationMultiplier", "BreakDurationMultiplier 0.5 must be at least 1.")]
    [InlineData("MaxBreakDuration", "MaxBreakDuration 00:00:01 must be at least BreakDuration 00:00:10.")]
    [InlineData("ProbeCalls", "ProbeCalls 0 must be at least 1.")]
    public void Validate_BadOption_NamesIt(string option, string error)
    {
        var defaults = new CircuitBreakerOptions();
        var options = option switch
        {
            "ConsecutiveFailures" => defaults with { ConsecutiveFailures = 0 },
            "FailureRatePercent" => defaults with { FailureRatePercent = 0 },
            "SamplingBuckets" => defaults with { SamplingBuckets = 0 },
            "SamplingWindow" => defaults with { SamplingWindow = TimeSpan.Zero },
            "MinimumCalls" => defaults with { MinimumCalls = 0 },
            "BreakDuration" => defaults with { BreakDuration = TimeSpan.Zero, MaxBreakDuration = TimeSpan.Zero },
            "BreakDurationMultiplier" => defaults with { BreakDurationMultiplier = 0.5 },
            "MaxBreakDuration" => defaults with { MaxBreakDuration = TimeSpan.FromSeconds(1) },
            _ => defaults with { ProbeCalls = 0 },
        };

        Assert.Equal([error], options.Validate());
        Assert.Throws<ArgumentException>(() => new CircuitBreaker(options));
    }

    [Fact]
    public void Validate_Defaults_ReturnNoError()
    {
        Assert.Empty(new CircuitBreakerOptions().Validate());
    }
}
