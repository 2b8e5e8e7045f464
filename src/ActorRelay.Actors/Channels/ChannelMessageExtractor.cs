using Akka.Cluster.Sharding;

namespace ActorRelay.Actors.Channels;

public sealed class ChannelMessageExtractor() : HashCodeMessageExtractor(ShardCount)
{
    public const int ShardCount = 50;

    public override string? EntityId(object message) => message is IWithChannelId withId ? withId.ChannelId : null;
}
