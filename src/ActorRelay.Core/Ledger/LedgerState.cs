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

    /// <summary>Daily spending is kept this long: enough for any monthly or weekly period.</summary>
    public const int SpendingDaysKept = 64;

    private const string TenantScope = "";

    private readonly HashSet<string> _billed = new(StringComparer.Ordinal);
    private readonly Queue<string> _billedOrder = new();
    private readonly Dictionary<string, UsageTotals> _byModel = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Scope, DateOnly Day), decimal> _spentByDay = new();
    private readonly Dictionary<string, decimal> _spentTotal = new(StringComparer.Ordinal);
    private readonly Dictionary<string, BudgetSpec> _budgets = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Reservation> _reservations = new(StringComparer.Ordinal);

    public UsageTotals Totals { get; private set; } = UsageTotals.Zero;

    public IReadOnlyDictionary<string, UsageTotals> ByModel => _byModel;

    public IEnumerable<string> RecentRequestIds => _billedOrder;

    public int OutstandingReservations => _reservations.Count;

    /// <summary>The event to persist for <paramref name="cost"/>, or null when its request id was already billed.</summary>
    public LedgerEvents.CostRecorded? Decide(LedgerEvents.CostRecorded cost) =>
        _billed.Contains(cost.RequestId) ? null : cost;

    public void Apply(ILedgerEvent ledgerEvent)
    {
        switch (ledgerEvent)
        {
            case LedgerEvents.CostRecorded cost:
                ApplyCost(cost);
                break;
            case LedgerEvents.BudgetSet { Budget: null } removed:
                _budgets.Remove(ScopeOf(removed.ProjectId));
                break;
            case LedgerEvents.BudgetSet set:
                _budgets[ScopeOf(set.ProjectId)] = set.Budget!;
                break;
        }
    }

    /// <summary>
    /// Reserves <paramref name="maxCost"/> for a call against the tenant's and the project's budgets. A hard budget
    /// refuses when spent + reserved + this call could exceed it; so the ledger never overspends by more than the
    /// reservations it granted. Reserving the same request id again is a no-op.
    /// </summary>
    public ReserveDecision TryReserve(string requestId, string? projectId, decimal maxCost, DateTimeOffset now, TimeSpan lease)
    {
        ExpireReservations(now);
        if (_reservations.ContainsKey(requestId))
        {
            return new ReserveDecision(ReserveOutcome.Granted, null);
        }

        BudgetStatus? softExceeded = null;
        foreach (var scope in ScopesOf(projectId))
        {
            if (Status(scope, now) is not { } status)
            {
                continue;
            }

            if (status.Spent + status.Reserved + maxCost <= status.Budget.Limit)
            {
                continue;
            }

            if (status.Budget.Mode == BudgetMode.Hard)
            {
                return new ReserveDecision(ReserveOutcome.Denied, status);
            }

            softExceeded ??= status;
        }

        _reservations[requestId] = new Reservation(projectId, maxCost, now + lease);
        return new ReserveDecision(softExceeded is null ? ReserveOutcome.Granted : ReserveOutcome.GrantedOverSoftBudget, softExceeded);
    }

    /// <summary>Frees a reservation whose call will not be billed (it never reached a vendor).</summary>
    public void Release(string requestId) => _reservations.Remove(requestId);

    /// <summary>The standing of every budget of the tenant at <paramref name="now"/>.</summary>
    public IReadOnlyList<BudgetStatus> Budgets(DateTimeOffset now)
    {
        ExpireReservations(now);
        return _budgets.Keys.Order(StringComparer.Ordinal).Select(scope => Status(scope, now)!).ToList();
    }

    public LedgerSnapshot ToSnapshot() => new(
        Totals,
        new Dictionary<string, UsageTotals>(_byModel),
        _billedOrder.ToList(),
        _budgets.Select(budget => new ScopedBudget(NullIfTenant(budget.Key), budget.Value)).ToList(),
        _spentByDay.Select(spent => new ScopedSpending(NullIfTenant(spent.Key.Scope), spent.Key.Day, spent.Value)).ToList(),
        _spentTotal.Select(spent => new ScopedSpending(NullIfTenant(spent.Key), null, spent.Value)).ToList());

    public static LedgerState Restore(LedgerSnapshot snapshot)
    {
        var state = new LedgerState { Totals = snapshot.Totals };
        foreach (var (model, modelTotals) in snapshot.ByModel)
        {
            state._byModel[model] = modelTotals;
        }

        foreach (var requestId in snapshot.RecentRequestIds)
        {
            state.Remember(requestId);
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

    private void ApplyCost(LedgerEvents.CostRecorded cost)
    {
        _reservations.Remove(cost.RequestId);
        if (!Remember(cost.RequestId))
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

        var oldest = day.AddDays(-SpendingDaysKept);
        if (_spentByDay.Keys.Any(key => key.Day < oldest))
        {
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

    private bool Remember(string requestId)
    {
        if (!_billed.Add(requestId))
        {
            return false;
        }

        _billedOrder.Enqueue(requestId);
        if (_billedOrder.Count > DeduplicationWindow)
        {
            _billed.Remove(_billedOrder.Dequeue());
        }

        return true;
    }

    private static string ScopeOf(string? projectId) => projectId ?? TenantScope;

    private static string? NullIfTenant(string scope) => scope == TenantScope ? null : scope;

    private static IEnumerable<string> ScopesOf(string? projectId) => projectId is null ? [TenantScope] : [TenantScope, projectId];

    private sealed record Reservation(string? ProjectId, decimal Amount, DateTimeOffset ExpiresAt);
}

/// <summary>A ledger snapshot: totals, budgets, spending, and the request ids inside the de-duplication window.</summary>
public sealed record LedgerSnapshot(
    UsageTotals Totals,
    IReadOnlyDictionary<string, UsageTotals> ByModel,
    IReadOnlyList<string> RecentRequestIds,
    IReadOnlyList<ScopedBudget>? Budgets = null,
    IReadOnlyList<ScopedSpending>? DailySpending = null,
    IReadOnlyList<ScopedSpending>? TotalSpending = null) : IActorRelayMessage;

public sealed record ScopedBudget(string? ProjectId, BudgetSpec Budget);

public sealed record ScopedSpending(string? ProjectId, DateOnly? Day, decimal Amount);
