namespace ActorRelay.SimulatedVendor;

/// <summary>What every chunk (or the completion) of one answer repeats.</summary>
internal sealed record CompletionIdentity(string Id, long Created, string Model)
{
    public static CompletionIdentity New(string model) =>
        new($"chatcmpl-sim-{Guid.NewGuid():N}", DateTimeOffset.UtcNow.ToUnixTimeSeconds(), model);
}
