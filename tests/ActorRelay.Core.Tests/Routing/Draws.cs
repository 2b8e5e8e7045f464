namespace ActorRelay.Core.Tests.Routing;

/// <summary>Random sources for deterministic tests.</summary>
internal static class Draws
{
    /// <summary>Returns <paramref name="values"/> in turn and fails the test when asked for one more.</summary>
    public static Func<double> Sequence(params double[] values)
    {
        var next = 0;
        return () => next < values.Length
            ? values[next++]
            : throw new InvalidOperationException($"Drew {next + 1} random numbers; the test expected {values.Length}.");
    }

    /// <summary>A seeded uniform source.</summary>
    public static Func<double> Seeded(int seed) => new Random(seed).NextDouble;
}
