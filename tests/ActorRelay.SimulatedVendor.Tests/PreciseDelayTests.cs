using System.Diagnostics;

namespace ActorRelay.SimulatedVendor.Tests;

public sealed class PreciseDelayTests
{
    [Fact]
    public async Task DelayAsync_NeverEndsBeforeItIsDue_WhereverItBegins()
    {
        // Task.Delay counts in the coarse clock and ended up to 4 ms early on a 250 Hz kernel (46 ms for 50), depending
        // on where in the tick it began. A timer's own end falls at one place in the tick, so the starts here are spread
        // by spinning, not by awaiting.
        var early = new List<string>();
        for (var i = 0; i < 40; i++)
        {
            var spinUntil = Stopwatch.GetTimestamp() + (Stopwatch.Frequency * Random.Shared.Next(0, 5_000) / 1_000_000);
            while (Stopwatch.GetTimestamp() < spinUntil)
            {
                Thread.SpinWait(20);
            }

            var milliseconds = i % 2 == 0 ? 7 : 31; // under and over the part a coarse timer waits
            var started = Stopwatch.GetTimestamp();

            await PreciseDelay.DelayAsync(milliseconds, VendorHarness.Cancellation);

            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (elapsed < milliseconds)
            {
                early.Add($"{milliseconds} ms ended after {elapsed:F2} ms");
            }
        }

        Assert.Empty(early);
    }

    [Fact]
    public async Task DelayAsync_Cancelled_EndsAtOnceWithCancellation()
    {
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        var started = Stopwatch.GetTimestamp();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => PreciseDelay.DelayAsync(60_000, cancellation.Token));

        Assert.InRange(Stopwatch.GetElapsedTime(started).TotalSeconds, 0, 5);
    }

    [Fact]
    public async Task DelayAsync_ManyAtOnce_EachEndsWhenDue()
    {
        var delays = Enumerable.Range(0, 200).Select(i => 5 + (i % 20)).ToArray();
        var started = Stopwatch.GetTimestamp();

        var ended = await Task.WhenAll(delays.Select(async milliseconds =>
        {
            await PreciseDelay.DelayAsync(milliseconds, VendorHarness.Cancellation);
            return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }));

        Assert.All(delays.Zip(ended), pair => Assert.True(pair.Second >= pair.First, $"{pair.First} ms ended after {pair.Second:F2} ms"));
    }
}
