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
    /// <summary>Records (settles) one finished call. Replies <see cref="CostAck"/> once the event is persisted (or was already).</summary>
    public sealed record RecordCost(string TenantId, LedgerEvents.CostRecorded Cost) : IWithTenantId;

    /// <summary><paramref name="Duplicate"/> is true when the request id had already been billed.</summary>
    public sealed record CostAck(string RequestId, bool Duplicate) : IActorRelayMessage;

    /// <summary>Reserves a call's maximum cost before it starts. Replies <see cref="ReserveReply"/>.</summary>
    public sealed record Reserve(string TenantId, string RequestId, string? ProjectId, decimal MaxCost, int LeaseSeconds) : IWithTenantId;

    public sealed record ReserveReply(string RequestId, ReserveOutcome Outcome, BudgetStatus? Budget) : IActorRelayMessage;

    /// <summary>Frees a reservation whose call will not be billed. No reply.</summary>
    public sealed record ReleaseReservation(string TenantId, string RequestId) : IWithTenantId;

    /// <summary>Sets or (with a null budget) removes the tenant's or a project's budget. Replies <see cref="BudgetsReport"/> after persisting.</summary>
    public sealed record SetBudget(string TenantId, string? ProjectId, BudgetSpec? Budget) : IWithTenantId;
}

public static class LedgerQueries
{
    public sealed record GetUsage(string TenantId) : IWithTenantId;

    public sealed record UsageReport(string TenantId, UsageTotals Totals, IReadOnlyDictionary<string, UsageTotals> ByModel) : IActorRelayMessage;

    public sealed record GetBudgets(string TenantId) : IWithTenantId;

    public sealed record BudgetsReport(string TenantId, IReadOnlyList<BudgetStatus> Budgets) : IActorRelayMessage;
}
