using Akka.Cluster.Sharding;

namespace ActorRelay.Actors.Ledger;

public sealed class LedgerMessageExtractor() : HashCodeMessageExtractor(ShardCount)
{
    public const int ShardCount = 50;

    public override string? EntityId(object message) => message is IWithTenantId withId ? withId.TenantId : null;
}
