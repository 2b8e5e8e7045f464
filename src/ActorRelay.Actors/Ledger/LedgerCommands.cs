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
    /// <summary>
    /// Records (settles) finished calls, persisted as one journal entry. Each names the budget lease it was admitted
    /// under, if any, so that the ledger takes its cost off that lease. Replies <see cref="CostsAck"/> once persisted.
    /// A request id already billed is skipped, so a batch can be sent again safely.
    /// </summary>
    /// <param name="Sender">The sending agent's id (see <see cref="LedgerEvents.CostsRecorded.Sender"/>); with it, a batch
    /// resent after it was persisted is known as such even when its request ids have left the de-duplication window.</param>
    public sealed record RecordCosts(string TenantId, long BatchId, IReadOnlyList<LeasedCost> Costs, string? Sender = null) : IWithTenantId;

    public sealed record LeasedCost(LedgerEvents.CostRecorded Cost, string? LeaseId);

    /// <param name="Duplicates">How many calls of the batch had already been billed.</param>
    public sealed record CostsAck(string TenantId, long BatchId, int Duplicates) : IActorRelayMessage;

    /// <summary>
    /// A gateway node asks for a budget lease: up to <paramref name="Want"/> (at least <paramref name="Minimum"/>, one
    /// call's maximum cost) held against the tenant's and the project's budgets under <paramref name="LeaseId"/>, which
    /// the node then spends locally. Asking again tops the lease up. The sender is remembered as a lessee and told
    /// <see cref="BudgetChanged"/> when a budget changes. Replies <see cref="BudgetLeased"/>.
    /// </summary>
    public sealed record LeaseBudget(string TenantId, string LeaseId, string? ProjectId, decimal Want, decimal Minimum, int LeaseSeconds) : IWithTenantId;

    /// <param name="Bounded">False when no budget applies: the node admits the scope's calls without a lease.</param>
    public sealed record BudgetLeased(string TenantId, string LeaseId, ReserveOutcome Outcome, decimal Granted, bool Bounded, BudgetStatus? Budget, long BudgetVersion)
        : IActorRelayMessage;

    /// <summary>Keeps a lease (and the sender's lessee registration) alive. Replies <see cref="BudgetLeaseRenewed"/>.</summary>
    public sealed record RenewBudgetLease(string TenantId, string LeaseId, int LeaseSeconds) : IWithTenantId;

    /// <param name="Known">False when the ledger no longer holds the lease (it expired, or the ledger restarted).</param>
    public sealed record BudgetLeaseRenewed(string TenantId, string LeaseId, bool Known, long BudgetVersion) : IActorRelayMessage;

    /// <summary>Gives back <paramref name="Amount"/> of a lease, or all of it (ending it) when null. No reply.</summary>
    public sealed record ReturnBudget(string TenantId, string LeaseId, decimal? Amount) : IWithTenantId;

    /// <summary>Told to every lessee when a budget of the tenant was set or removed: leases are to be returned and asked anew.</summary>
    public sealed record BudgetChanged(string TenantId, long BudgetVersion) : IActorRelayMessage;

    /// <summary>Sets or (with a null budget) removes the tenant's or a project's budget. Replies <see cref="LedgerQueries.BudgetsReport"/> after persisting.</summary>
    public sealed record SetBudget(string TenantId, string? ProjectId, BudgetSpec? Budget) : IWithTenantId;
}

public static class LedgerQueries
{
    public sealed record GetUsage(string TenantId) : IWithTenantId;

    public sealed record UsageReport(string TenantId, UsageTotals Totals, IReadOnlyDictionary<string, UsageTotals> ByModel) : IActorRelayMessage;

    public sealed record GetBudgets(string TenantId) : IWithTenantId;

    public sealed record BudgetsReport(string TenantId, IReadOnlyList<BudgetStatus> Budgets) : IActorRelayMessage;
}
