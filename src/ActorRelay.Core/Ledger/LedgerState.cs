namespace ActorRelay.Core.Ledger;

/// <summary>
/// A tenant ledger's state: running totals per model, spending per day and scope (the tenant, or one project)
/// for budgets, budgets, outstanding reservations, and the request ids already billed, so that a request id is
/// recorded at most once. <see cref="Decide"/> never mutates; <see cref="Apply"/> only applies persisted events;
/// reservations are soft state changed by <see cref="TryReserve"/> and <see cref="Release"/>.
/// </summary>
public sealed class LedgerState
{
    /// <summary>How many recent request ids are remembered for de-duplication.</summary>
    public const int DeduplicationWindow = 100_000;

    /// <summary>
    /// How many senders' last batches are remembered, the oldest sender forgotten first. An agent resends a batch for about
    /// two minutes; a cluster starts far fewer agents than this in that time.
    /// </summary>
    public const int SendersKept = 1_024;

    /// <summary>Daily spending is kept this long: enough for any monthly or weekly period.</summary>
    public const int SpendingDaysKept = 64;

    private const string TenantScope = "";

    private readonly BilledRequestIds _billed = new();
    private readonly Dictionary<string, UsageTotals> _byModel = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Scope, DateOnly Day), decimal> _spentByDay = new();
    private readonly Dictionary<string, decimal> _spentTotal = new(StringComparer.Ordinal);
    private readonly Dictionary<string, BudgetSpec> _budgets = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Reservation> _reservations = new(StringComparer.Ordinal);
    /// <summary>Each sender's last persisted batch, senders in the order first seen.</summary>
    private readonly OrderedDictionary<string, long> _lastBatchBySender = new(StringComparer.Ordinal);
    private DateOnly _spendingKeptFrom = DateOnly.MinValue;

    public UsageTotals Totals { get; private set; } = UsageTotals.Zero;

    public IReadOnlyDictionary<string, UsageTotals> ByModel => _byModel;

    public int OutstandingReservations => _reservations.Count;

    /// <summary>Changes with every budget set or removed, so that a node holding a lease can tell its terms changed.</summary>
    public long BudgetVersion { get; private set; }

    /// <summary>The event to persist for <paramref name="cost"/>, or null when its request id was already billed.</summary>
    public LedgerEvents.CostRecorded? Decide(LedgerEvents.CostRecorded cost) =>
        _billed.Contains(cost.RequestId) ? null : cost;

    /// <summary>
    /// True when <paramref name="sender"/>'s batch <paramref name="batchId"/> (or a later one of it) was persisted: the batch
    /// is being resent because its acknowledgement was lost, and all of it is billed already, however many calls were billed
    /// since (the request-id window alone forgets them after <see cref="DeduplicationWindow"/> calls).
    /// </summary>
    public bool HasBatch(string? sender, long batchId) =>
        sender is not null && _lastBatchBySender.TryGetValue(sender, out var last) && last >= batchId;

    public void Apply(ILedgerEvent ledgerEvent)
    {
        switch (ledgerEvent)
        {
            case LedgerEvents.CostRecorded cost:
                ApplyCost(cost);
                break;
            case LedgerEvents.CostsRecorded batch:
                foreach (var cost in batch.Costs)
                {
                    ApplyCost(cost);
                }

                if (batch.Sender is { } sender)
                {
                    RememberBatch(sender, batch.BatchId);
                }

                break;
            case LedgerEvents.BudgetSet { Budget: null } removed:
                _budgets.Remove(ScopeOf(removed.ProjectId));
                BudgetVersion++;
                break;
            case LedgerEvents.BudgetSet set:
                _budgets[ScopeOf(set.ProjectId)] = set.Budget!;
                BudgetVersion++;
                break;
        }
    }

    /// <summary>
    /// Holds up to <paramref name="want"/> (at least <paramref name="minimum"/>) against the tenant's and the project's
    /// budgets under <paramref name="reservationId"/>: a gateway node's budget lease, which it spends locally on many
    /// calls. A hard budget never holds more than it has left (spent + held + this ≤ limit), so the ledger never
    /// overspends; a soft one holds what is asked and flags it. Holding again under the same id tops the reservation
    /// up and extends it. When no budget applies to the call's scopes nothing is held and the decision says
    /// <see cref="ReserveDecision.Bounded"/> false.
    /// </summary>
    public ReserveDecision TryReserve(string reservationId, string? projectId, decimal want, decimal minimum, DateTimeOffset now, TimeSpan lease)
    {
        ExpireReservations(now);
        BudgetStatus? softExceeded = null;
        BudgetStatus? tightest = null;
        var bounded = false;
        var grant = want;
        foreach (var scope in ScopesOf(projectId))
        {
            if (Status(scope, now) is not { } status)
            {
                continue;
            }

            bounded = true;
            if (status.Budget.Mode == BudgetMode.Soft)
            {
                softExceeded ??= status.Remaining < want ? status : null;
                continue;
            }

            if (status.Remaining < grant)
            {
                grant = Math.Max(0m, status.Remaining);
                tightest = status;
            }
        }

        if (!bounded)
        {
            return new ReserveDecision(ReserveOutcome.Granted, null, 0m, Bounded: false);
        }

        if (grant < minimum || grant <= 0m)
        {
            return new ReserveDecision(ReserveOutcome.Denied, tightest, 0m);
        }

        var held = _reservations.GetValueOrDefault(reservationId)?.Amount ?? 0m;
        _reservations[reservationId] = new Reservation(projectId, held + grant, now + lease);
        return new ReserveDecision(softExceeded is null ? ReserveOutcome.Granted : ReserveOutcome.GrantedOverSoftBudget, softExceeded, grant);
    }

    /// <summary>A settled call spent <paramref name="amount"/> of the reservation (lease) it was admitted under.</summary>
    public void Consume(string reservationId, decimal amount)
    {
        if (_reservations.TryGetValue(reservationId, out var reservation))
        {
            _reservations[reservationId] = reservation with { Amount = Math.Max(0m, reservation.Amount - amount) };
        }
    }

    /// <summary>Gives back part of a reservation (a node returning the unused part of its lease).</summary>
    public void Return(string reservationId, decimal amount) => Consume(reservationId, amount);

    /// <summary>Extends a reservation; false when it is unknown (expired, or this ledger restarted and forgot it).</summary>
    public bool Renew(string reservationId, DateTimeOffset now, TimeSpan lease)
    {
        ExpireReservations(now);
        if (!_reservations.TryGetValue(reservationId, out var reservation))
        {
            return false;
        }

        _reservations[reservationId] = reservation with { ExpiresAt = now + lease };
        return true;
    }

    /// <summary>Frees a whole reservation (a node's lease returned, or a call that will not be billed).</summary>
    public void Release(string reservationId) => _reservations.Remove(reservationId);

    /// <summary>The standing of every budget of the tenant at <paramref name="now"/>.</summary>
    public IReadOnlyList<BudgetStatus> Budgets(DateTimeOffset now)
    {
        ExpireReservations(now);
        return _budgets.Keys.Order(StringComparer.Ordinal).Select(scope => Status(scope, now)!).ToList();
    }

    public LedgerSnapshot ToSnapshot() => new(
        Totals,
        new Dictionary<string, UsageTotals>(_byModel),
        [],
        _budgets.Select(budget => new ScopedBudget(NullIfTenant(budget.Key), budget.Value)).ToList(),
        _spentByDay.Select(spent => new ScopedSpending(NullIfTenant(spent.Key.Scope), spent.Key.Day, spent.Value)).ToList(),
        _spentTotal.Select(spent => new ScopedSpending(NullIfTenant(spent.Key), null, spent.Value)).ToList(),
        _billed.ToBytes(),
        _lastBatchBySender.Select(sent => new SenderBatch(sent.Key, sent.Value)).ToList());

    public static LedgerState Restore(LedgerSnapshot snapshot)
    {
        var state = new LedgerState { Totals = snapshot.Totals };
        foreach (var (model, modelTotals) in snapshot.ByModel)
        {
            state._byModel[model] = modelTotals;
        }

        // Snapshots written before the window was hashed list the ids themselves; either way the oldest come first.
        foreach (var requestId in snapshot.RecentRequestIds)
        {
            state._billed.Add(requestId);
        }

        state._billed.AddAll(snapshot.BilledRequestIdHashes);
        foreach (var sent in snapshot.SenderBatches ?? [])
        {
            state.RememberBatch(sent.Sender, sent.BatchId);
        }

        foreach (var budget in snapshot.Budgets ?? [])
        {
            state._budgets[ScopeOf(budget.ProjectId)] = budget.Budget;
        }

        foreach (var spent in snapshot.DailySpending ?? [])
        {
            state._spentByDay[(ScopeOf(spent.ProjectId), spent.Day!.Value)] = spent.Amount;
        }

        foreach (var spent in snapshot.TotalSpending ?? [])
        {
            state._spentTotal[ScopeOf(spent.ProjectId)] = spent.Amount;
        }

        return state;
    }

    private void RememberBatch(string sender, long batchId)
    {
        if (_lastBatchBySender.TryGetValue(sender, out var last))
        {
            _lastBatchBySender[sender] = Math.Max(last, batchId);
            return;
        }

        _lastBatchBySender.Add(sender, batchId);
        if (_lastBatchBySender.Count > SendersKept)
        {
            _lastBatchBySender.RemoveAt(0);
        }
    }

    private void ApplyCost(LedgerEvents.CostRecorded cost)
    {
        _reservations.Remove(cost.RequestId);
        if (!_billed.Add(cost.RequestId))
        {
            return;
        }

        Totals = Totals.Add(cost);
        _byModel[cost.Model] = _byModel.GetValueOrDefault(cost.Model, UsageTotals.Zero).Add(cost);
        var day = DateOnly.FromDateTime(cost.FinishedAt.UtcDateTime);
        foreach (var scope in ScopesOf(cost.ProjectId))
        {
            _spentByDay[(scope, day)] = _spentByDay.GetValueOrDefault((scope, day)) + cost.Cost;
            _spentTotal[scope] = _spentTotal.GetValueOrDefault(scope) + cost.Cost;
        }

        // Pruned once per new day, not on every call (which cost a closure and a scan of every scope's days).
        var oldest = day.AddDays(-SpendingDaysKept);
        if (oldest > _spendingKeptFrom)
        {
            _spendingKeptFrom = oldest;
            foreach (var stale in _spentByDay.Keys.Where(key => key.Day < oldest).ToList())
            {
                _spentByDay.Remove(stale);
            }
        }
    }

    private BudgetStatus? Status(string scope, DateTimeOffset now)
    {
        if (!_budgets.TryGetValue(scope, out var budget))
        {
            return null;
        }

        var (start, end) = budget.PeriodAround(now);
        var spent = budget.Period == BudgetPeriod.Total
            ? _spentTotal.GetValueOrDefault(scope)
            : SpentBetween(scope, DateOnly.FromDateTime(start.UtcDateTime), DateOnly.FromDateTime(end.UtcDateTime));
        var reserved = 0m;
        foreach (var reservation in _reservations.Values)
        {
            if (scope == TenantScope || reservation.ProjectId == scope)
            {
                reserved += reservation.Amount;
            }
        }

        return new BudgetStatus(NullIfTenant(scope), budget, start, end, spent, reserved);
    }

    private decimal SpentBetween(string scope, DateOnly from, DateOnly until)
    {
        var spent = 0m;
        for (var day = from; day < until; day = day.AddDays(1))
        {
            spent += _spentByDay.GetValueOrDefault((scope, day));
        }

        return spent;
    }

    private void ExpireReservations(DateTimeOffset now)
    {
        if (_reservations.Count == 0)
        {
            return;
        }

        foreach (var expired in _reservations.Where(reservation => reservation.Value.ExpiresAt <= now).Select(reservation => reservation.Key).ToList())
        {
            _reservations.Remove(expired);
        }
    }

    private static string ScopeOf(string? projectId) => projectId ?? TenantScope;

    private static string? NullIfTenant(string scope) => scope == TenantScope ? null : scope;

    private static IEnumerable<string> ScopesOf(string? projectId) => projectId is null ? [TenantScope] : [TenantScope, projectId];

    private sealed record Reservation(string? ProjectId, decimal Amount, DateTimeOffset ExpiresAt);
}

/// <summary>A ledger snapshot: totals, budgets, spending, and the request ids inside the de-duplication window.</summary>
/// <param name="RecentRequestIds">The window as snapshots before its ids were hashed kept it (read, no longer written).</param>
/// <param name="BilledRequestIdHashes">The window: each billed request id's 128-bit XxHash, little-endian, oldest first.</param>
public sealed record LedgerSnapshot(
    UsageTotals Totals,
    IReadOnlyDictionary<string, UsageTotals> ByModel,
    IReadOnlyList<string> RecentRequestIds,
    IReadOnlyList<ScopedBudget>? Budgets = null,
    IReadOnlyList<ScopedSpending>? DailySpending = null,
    IReadOnlyList<ScopedSpending>? TotalSpending = null,
    byte[]? BilledRequestIdHashes = null,
    IReadOnlyList<SenderBatch>? SenderBatches = null) : IActorRelayMessage;

/// <summary>The last batch of a sender that the ledger persisted (see <see cref="LedgerEvents.CostsRecorded.Sender"/>).</summary>
public sealed record SenderBatch(string Sender, long BatchId);

public sealed record ScopedBudget(string? ProjectId, BudgetSpec Budget);

public sealed record ScopedSpending(string? ProjectId, DateOnly? Day, decimal Amount);
