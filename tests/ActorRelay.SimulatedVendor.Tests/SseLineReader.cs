namespace ActorRelay.SimulatedVendor.Tests;

/// <summary>Reads a live event stream one <c>data:</c> payload at a time.</summary>
internal sealed class SseLineReader(Stream stream) : IDisposable
{
    private readonly StreamReader reader = new(stream);

    /// <summary>The next event's payload, or null at the end of the stream.</summary>
    public async Task<string?> NextAsync()
    {
        while (await reader.ReadLineAsync(VendorHarness.Cancellation) is { } line)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                return line["data: ".Length..];
            }
        }

        return null;
    }

    public void Dispose() => reader.Dispose();
}
