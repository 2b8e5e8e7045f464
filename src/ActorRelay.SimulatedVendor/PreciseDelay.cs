using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ActorRelay.SimulatedVendor;

/// <summary>
/// The simulated vendor's delays, ending when they are due to within a tenth of a millisecond. .NET's timers
/// (Task.Delay) count in the runtime's coarse clock, which on Linux advances once per kernel tick (4 ms on a 250 Hz
/// kernel): there a 50 ms Task.Delay lasted 46-58 ms depending on where in the tick it began. Under a closed-loop
/// load every call begins a fixed time after the previous one ended, so that error locked onto the caller's own
/// latency and moved what a benchmark compares (direct against through a proxy) by fractions of a millisecond.
/// On Linux a delay waits on a timer until 10 ms before it is due and then on one thread that sleeps in
/// <c>nanosleep</c>; elsewhere, and for delays over an hour, Task.Delay serves.
/// </summary>
internal static partial class PreciseDelay
{
    private const long CoarseMarginMs = 10;  // more than the coarse clock's tick can make Task.Delay early
    private const long PreciseLimitMs = 3_600_000;
    private static readonly long MaxSleepTicks = Stopwatch.Frequency / 1000;  // a sleep re-checks the queue every ms
    private static readonly PriorityQueue<TaskCompletionSource, long> Pending = new();
    private static readonly object Gate = new();
    private static bool _sleeperStarted;

    public static async Task DelayAsync(long milliseconds, CancellationToken cancellationToken)
    {
        if (milliseconds <= 0)
        {
            return;
        }

        if (!OperatingSystem.IsLinux() || milliseconds > PreciseLimitMs)
        {
            // Task.Delay in int-sized steps, so that long totals (tokens × delay) cannot overflow.
            for (var remaining = milliseconds; remaining > 0; remaining -= int.MaxValue)
            {
                await Task.Delay((int)Math.Min(remaining, int.MaxValue), cancellationToken);
            }

            return;
        }

        var due = Stopwatch.GetTimestamp() + (milliseconds * Stopwatch.Frequency / 1000);
        if (milliseconds > CoarseMarginMs)
        {
            await Task.Delay((int)(milliseconds - CoarseMarginMs), cancellationToken);
        }

        await Enqueue(due).WaitAsync(cancellationToken);
    }

    private static Task Enqueue(long due)
    {
        var completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (Gate)
        {
            Pending.Enqueue(completion, due);
            if (!_sleeperStarted)
            {
                _sleeperStarted = true;
                new Thread(Sleep) { IsBackground = true, Name = "simulated-vendor-delays" }.Start();
            }
            else if (Pending.Count == 1)
            {
                Monitor.Pulse(Gate);
            }
        }

        return completion.Task;
    }

    private static void Sleep()
    {
        while (true)
        {
            long sleepTicks;
            lock (Gate)
            {
                while (Pending.Count == 0)
                {
                    Monitor.Wait(Gate);
                }

                var now = Stopwatch.GetTimestamp();
                while (Pending.TryPeek(out _, out var due) && due <= now)
                {
                    Pending.Dequeue().TrySetResult();  // its continuations run on the thread pool, not under this lock
                }

                sleepTicks = Pending.TryPeek(out _, out var next) ? Math.Min(next - now, MaxSleepTicks) : 0;
            }

            if (sleepTicks > 0)
            {
                // At most a millisecond, so the whole sleep is in the nanoseconds field.
                var request = new Timespec { Nanoseconds = (nint)(sleepTicks * 1_000_000_000 / Stopwatch.Frequency) };
                _ = NanoSleep(in request, remaining: 0);  // an interrupted sleep only re-checks the queue sooner
            }
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public nint Seconds;
        public nint Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "nanosleep")]
    private static partial int NanoSleep(in Timespec request, nint remaining);
}
