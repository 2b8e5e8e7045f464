using ActorRelay.Core;
using ActorRelay.Core.Ledger;

namespace ActorRelay.Actors.Ledger;

/// <summary>Routes a message to the sharded tenant ledger entity named by <see cref="TenantId"/>.</summary>
public interface IWithTenantId : IActorRelayMessage
{
    string TenantId { get; }
}

public static class LedgerCommands
{
    /// <summary>Records one finished call. Replies <see cref="CostAck"/> once the event is persisted (or was already).</summary>
    public sealed record RecordCost(string TenantId, LedgerEvents.CostRecorded Cost) : IWithTenantId;

    /// <summary><paramref name="Duplicate"/> is true when the request id had already been billed.</summary>
    public sealed record CostAck(string RequestId, bool Duplicate) : IActorRelayMessage;
}

public static class LedgerQueries
{
    public sealed record GetUsage(string TenantId) : IWithTenantId;

    public sealed record UsageReport(string TenantId, UsageTotals Totals, IReadOnlyDictionary<string, UsageTotals> ByModel) : IActorRelayMessage;
}

/// <summary>A ledger snapshot: totals and the request ids inside the de-duplication window.</summary>
public sealed record LedgerSnapshot(UsageTotals Totals, IReadOnlyDictionary<string, UsageTotals> ByModel, IReadOnlyList<string> RecentRequestIds) : IActorRelayMessage;
