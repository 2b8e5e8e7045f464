namespace ActorRelay.Actors.Channels;

/// <summary>
/// The node-local view of configured channels that channel entities read their limits from. It is fed by
/// configuration and may change at run time; entities read it on every decision.
/// </summary>
public interface IChannelDirectory
{
    /// <summary>The channel's concurrency limit, or null when no such channel is configured.</summary>
    int? MaxConcurrency(string channelId);
}
