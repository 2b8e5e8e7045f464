namespace ActorRelay.SimulatedVendor;

/// <summary>What every chunk (or the completion) of one answer repeats; <see cref="ToolCallId"/> names its tool call, if it makes one.</summary>
internal sealed record CompletionIdentity(string Id, long Created, string Model, string ToolCallId)
{
    public static CompletionIdentity New(string model) =>
        new($"chatcmpl-sim-{Guid.NewGuid():N}", DateTimeOffset.UtcNow.ToUnixTimeSeconds(), model, $"call_sim_{Guid.NewGuid():N}");
}
