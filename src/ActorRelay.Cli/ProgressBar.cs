using System.Diagnostics;
using System.Globalization;

namespace ActorRelay.Cli;

/// <summary>A one-line progress bar on standard error, redrawn at most five times a second.</summary>
internal sealed class ProgressBar(TextWriter output, long? expected)
{
    private const int Width = 30;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private static readonly TimeSpan RedrawInterval = TimeSpan.FromMilliseconds(200);
    private TimeSpan _nextDraw = TimeSpan.Zero;

    public void Report(long done)
    {
        if (_clock.Elapsed < _nextDraw)
        {
            return;
        }

        _nextDraw = _clock.Elapsed + RedrawInterval;
        Draw(done);
    }

    public void Complete(long done)
    {
        Draw(done);
        output.WriteLine();
    }

    private void Draw(long done)
    {
        var rate = done / Math.Max(_clock.Elapsed.TotalSeconds, 0.001);
        var counts = string.Create(CultureInfo.InvariantCulture, $"{done:N0} events, {rate:N0}/s");
        if (expected is > 0 and var total)
        {
            var fraction = Math.Clamp(done / (double)total, 0, 1);
            var filled = (int)(fraction * Width);
            output.Write(string.Create(CultureInfo.InvariantCulture, $"\r[{new string('#', filled)}{new string('.', Width - filled)}] {fraction,4:P0} {counts}   "));
        }
        else
        {
            output.Write($"\r{counts}   ");
        }
    }
}
