using ActorRelay.Core.Ledger;
using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Event;
using Akka.Hosting;
using Akka.Persistence;
using Akka.Persistence.Journal;

namespace ActorRelay.Actors.Ledger;

/// <summary>
/// A tenant's cost ledger, sharded by tenant id and event-sourced: each billed call is one persisted
/// <see cref="LedgerEvents.CostRecorded"/>, tagged for Akka.Persistence.Query. A request id is billed at most
/// once, and a command is acknowledged only after its event is in the journal.
/// </summary>
public sealed class TenantLedgerActor : ReceivePersistentActor
{
    /// <summary>The tag every ledger event carries, for <c>EventsByTag</c> projections and replay.</summary>
    public const string CostTag = "cost";

    private const int SnapshotEvery = 1_000;
    private static readonly string[] Tags = [CostTag];

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly HashSet<string> _inFlight = new(StringComparer.Ordinal);
    private LedgerState _state = new();

    public TenantLedgerActor(string tenantId)
    {
        TenantId = tenantId;
        PersistenceId = $"ledger-{tenantId}";

        Recover<SnapshotOffer>(offer =>
        {
            if (offer.Snapshot is LedgerSnapshot snapshot)
            {
                _state = LedgerState.Restore(snapshot);
            }
        });
        Recover<ILedgerEvent>(ledgerEvent => _state.Apply(ledgerEvent));

        Command<LedgerCommands.Reserve>(HandleReserve);
        Command<LedgerCommands.ReleaseReservation>(release => _state.Release(release.RequestId));
        Command<LedgerCommands.RecordCost>(HandleRecordCost);
        Command<LedgerCommands.SetBudget>(HandleSetBudget);
        // Queries wait (without blocking commands) for the writes before them: a caller reads its own settled calls.
        Command<LedgerQueries.GetUsage>(query => DeferAsync(query, _ =>
            Sender.Tell(new LedgerQueries.UsageReport(TenantId, _state.Totals, new Dictionary<string, UsageTotals>(_state.ByModel)))));
        Command<LedgerQueries.GetBudgets>(query => DeferAsync(query, _ =>
            Sender.Tell(new LedgerQueries.BudgetsReport(TenantId, _state.Budgets(DateTimeOffset.UtcNow)))));
        Command<SaveSnapshotSuccess>(success => DeleteSnapshots(new SnapshotSelectionCriteria(success.Metadata.SequenceNr - 1)));
        Command<SaveSnapshotFailure>(failure => _log.Warning(failure.Cause, "Ledger {0}: snapshot failed", TenantId));
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(failure => _log.Warning(failure.Cause, "Ledger {0}: deleting old snapshots failed", TenantId));
    }

    public string TenantId { get; }

    public override string PersistenceId { get; }

    private void HandleReserve(LedgerCommands.Reserve reserve)
    {
        var decision = _state.TryReserve(reserve.RequestId, reserve.ProjectId, reserve.MaxCost, DateTimeOffset.UtcNow, TimeSpan.FromSeconds(reserve.LeaseSeconds));
        Sender.Tell(new LedgerCommands.ReserveReply(reserve.RequestId, decision.Outcome, decision.Budget));
    }

    private void HandleSetBudget(LedgerCommands.SetBudget command)
    {
        Persist(new LedgerEvents.BudgetSet(TenantId, command.ProjectId, command.Budget, DateTimeOffset.UtcNow), budgetSet =>
        {
            _state.Apply(budgetSet);
            Sender.Tell(new LedgerQueries.BudgetsReport(TenantId, _state.Budgets(DateTimeOffset.UtcNow)));
        });
    }

    /// <summary>
    /// Persists with <c>PersistAsync</c>: commands keep flowing while writes are in flight, so the journal batches many
    /// events into one transaction. Request ids in flight are remembered, so a retry that arrives meanwhile is still
    /// recognised as a duplicate; a call's reservation stays held until its event is applied.
    /// </summary>
    private void HandleRecordCost(LedgerCommands.RecordCost command)
    {
        var cost = _state.Decide(command.Cost);
        if (cost is null || !_inFlight.Add(cost.RequestId))
        {
            if (cost is null)
            {
                _state.Release(command.Cost.RequestId);
            }

            Sender.Tell(new LedgerCommands.CostAck(command.Cost.RequestId, Duplicate: true));
            return;
        }

        var sender = Sender;
        PersistAsync(new Tagged(cost, Tags), _ =>
        {
            _inFlight.Remove(cost.RequestId);
            _state.Apply(cost);
            sender.Tell(new LedgerCommands.CostAck(cost.RequestId, Duplicate: false));
            if (LastSequenceNr % SnapshotEvery == 0)
            {
                SaveSnapshot(_state.ToSnapshot());
            }
        });
    }
}

public static class TenantLedgerActorHostingExtensions
{
    public const string RegionName = "tenant-ledger";

    public static AkkaConfigurationBuilder AddTenantLedgerActor(this AkkaConfigurationBuilder builder, ShardOptions shardOptions) =>
        builder.WithShardRegion<TenantLedgerActor>(
            RegionName,
            (_, _, resolver) => tenantId => resolver.Props<TenantLedgerActor>(tenantId),
            new LedgerMessageExtractor(),
            shardOptions);
}
