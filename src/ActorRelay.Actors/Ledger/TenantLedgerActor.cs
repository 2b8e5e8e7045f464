using ActorRelay.Core.Ledger;
using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Event;
using Akka.Hosting;
using Akka.Persistence;
using Akka.Persistence.Journal;

namespace ActorRelay.Actors.Ledger;

/// <summary>
/// A tenant's cost ledger, sharded by tenant id and event-sourced. Gateway nodes send settled calls in batches; each
/// batch is one persisted <see cref="LedgerEvents.CostsRecorded"/> (older journals hold one
/// <see cref="LedgerEvents.CostRecorded"/> per call; both replay the same), tagged for Akka.Persistence.Query. A request
/// id is billed at most once, and a batch is acknowledged only after it is in the journal. Budgets are spent through
/// leases: a node holds part of a budget (a reservation under the lease id) and admits calls locally against it; the
/// ledger takes each settled call's cost off the lease it names, and tells its lessees when a budget changes.
/// </summary>
public sealed class TenantLedgerActor : ReceivePersistentActor
{
    /// <summary>The tag every ledger event carries, for <c>EventsByTag</c> projections and replay.</summary>
    public const string CostTag = "cost";

    /// <summary>
    /// Calls billed between snapshots. A snapshot carries the de-duplication window (100,000 request-id hashes: 1.6 MB,
    /// a transient large object twice over: the window's copy and its serialized form), so taking one more often would
    /// write and allocate more than the calls' own events; recovery replays at most this many calls.
    /// </summary>
    private const int SnapshotEveryCalls = 50_000;
    private static readonly string[] Tags = [CostTag];

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly HashSet<string> _inFlight = new(StringComparer.Ordinal);
    private readonly Dictionary<IActorRef, DateTimeOffset> _lessees = [];
    private LedgerState _state = new();
    private int _callsSinceSnapshot;

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

        Command<LedgerCommands.LeaseBudget>(HandleLease);
        Command<LedgerCommands.RenewBudgetLease>(renew =>
        {
            var now = DateTimeOffset.UtcNow;
            RememberLessee(now, renew.LeaseSeconds);
            var known = _state.Renew(renew.LeaseId, now, TimeSpan.FromSeconds(renew.LeaseSeconds));
            Sender.Tell(new LedgerCommands.BudgetLeaseRenewed(TenantId, renew.LeaseId, known, _state.BudgetVersion));
        });
        Command<LedgerCommands.ReturnBudget>(give =>
        {
            if (give.Amount is { } amount)
            {
                _state.Return(give.LeaseId, amount);
            }
            else
            {
                _state.Release(give.LeaseId);
            }
        });
        Command<LedgerCommands.RecordCosts>(HandleRecordCosts);
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

    private void HandleLease(LedgerCommands.LeaseBudget lease)
    {
        var now = DateTimeOffset.UtcNow;
        RememberLessee(now, lease.LeaseSeconds);
        var decision = _state.TryReserve(lease.LeaseId, lease.ProjectId, lease.Want, lease.Minimum, now, TimeSpan.FromSeconds(lease.LeaseSeconds));
        Sender.Tell(new LedgerCommands.BudgetLeased(TenantId, lease.LeaseId, decision.Outcome, decision.Granted, decision.Bounded, decision.Budget, _state.BudgetVersion));
    }

    private void HandleSetBudget(LedgerCommands.SetBudget command)
    {
        Persist(new LedgerEvents.BudgetSet(TenantId, command.ProjectId, command.Budget, DateTimeOffset.UtcNow), budgetSet =>
        {
            _state.Apply(budgetSet);
            Sender.Tell(new LedgerQueries.BudgetsReport(TenantId, _state.Budgets(DateTimeOffset.UtcNow)));
            var now = DateTimeOffset.UtcNow;
            foreach (var (lessee, until) in _lessees.ToList())
            {
                if (until <= now)
                {
                    _lessees.Remove(lessee);
                    continue;
                }

                lessee.Tell(new LedgerCommands.BudgetChanged(TenantId, _state.BudgetVersion));
            }
        });
    }

    /// <summary>
    /// Persists with <c>PersistAsync</c>: commands keep flowing while writes are in flight, so batches from several
    /// nodes share the journal's transactions. Request ids in flight are remembered, so a batch sent again meanwhile
    /// is still recognised as a duplicate; a lease pays for a call once its event is applied. A batch its sender sends
    /// again after it was persisted (the acknowledgement was lost) is known by its sender and number, however many calls
    /// were billed since.
    /// </summary>
    private void HandleRecordCosts(LedgerCommands.RecordCosts command)
    {
        var sender = Sender;
        var fresh = new List<LedgerCommands.LeasedCost>(command.Costs.Count);
        if (!_state.HasBatch(command.Sender, command.BatchId))
        {
            foreach (var leased in command.Costs)
            {
                if (_state.Decide(leased.Cost) is not null && _inFlight.Add(leased.Cost.RequestId))
                {
                    fresh.Add(leased);
                }
            }
        }

        var duplicates = command.Costs.Count - fresh.Count;
        if (fresh.Count == 0)
        {
            // Billed already, or in a write still under way: the acknowledgement waits for the writes before it, so that
            // a write that fails (the ledger then stops) leaves the batch unacknowledged, to be sent again.
            DeferAsync(new LedgerCommands.CostsAck(TenantId, command.BatchId, duplicates), ack => sender.Tell(ack));
            return;
        }

        var batch = new LedgerEvents.CostsRecorded(fresh.Select(leased => leased.Cost).ToList(), command.Sender, command.BatchId);
        PersistAsync(new Tagged(batch, Tags), _ =>
        {
            _state.Apply(batch);
            foreach (var leased in fresh)
            {
                _inFlight.Remove(leased.Cost.RequestId);
                if (leased.LeaseId is not null)
                {
                    _state.Consume(leased.LeaseId, leased.Cost.Cost);
                }
            }

            sender.Tell(new LedgerCommands.CostsAck(TenantId, command.BatchId, duplicates));
            _callsSinceSnapshot += fresh.Count;
            if (_callsSinceSnapshot >= SnapshotEveryCalls)
            {
                _callsSinceSnapshot = 0;
                SaveSnapshot(_state.ToSnapshot());
            }
        });
    }

    private void RememberLessee(DateTimeOffset now, int leaseSeconds)
    {
        if (!Sender.IsNobody())
        {
            _lessees[Sender] = now.AddSeconds(leaseSeconds);
        }
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
