using System.Diagnostics;
using System.Globalization;

namespace ActorRelay.Cli;

/// <summary>
/// A one-line progress bar on standard error, redrawn at most five times a second. Progress is measured in journal
/// entries (what the journal can count up front); a ledger entry holds one call or a group of them.
/// </summary>
internal sealed class ProgressBar(TextWriter output, long? expected)
{
    private const int Width = 30;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private static readonly TimeSpan RedrawInterval = TimeSpan.FromMilliseconds(200);
    private TimeSpan _nextDraw = TimeSpan.Zero;

    public void Report(long entries, long calls)
    {
        if (_clock.Elapsed < _nextDraw)
        {
            return;
        }

        _nextDraw = _clock.Elapsed + RedrawInterval;
        Draw(entries, calls);
    }

    public void Complete(long entries, long calls)
    {
        Draw(entries, calls);
        output.WriteLine();
    }

    private void Draw(long entries, long calls)
    {
        var rate = calls / Math.Max(_clock.Elapsed.TotalSeconds, 0.001);
        var counts = string.Create(CultureInfo.InvariantCulture, $"{calls:N0} events in {entries:N0} journal entries, {rate:N0}/s");
        if (expected is > 0 and var total)
        {
            var fraction = Math.Clamp(entries / (double)total, 0, 1);
            var filled = (int)(fraction * Width);
            output.Write(string.Create(CultureInfo.InvariantCulture, $"\r[{new string('#', filled)}{new string('.', Width - filled)}] {fraction,4:P0} {counts}   "));
        }
        else
        {
            output.Write($"\r{counts}   ");
        }
    }
}
