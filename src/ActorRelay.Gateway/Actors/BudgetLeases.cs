using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using ActorRelay.Actors.Ledger;
using ActorRelay.Core.Ledger;

namespace ActorRelay.Gateway.Actors;

/// <summary>
/// This node's budget leases, one per tenant and project: the part of a budget the tenant's ledger holds for this
/// node, spent here call by call without asking the ledger. A call reserves its maximum cost from the lease under a
/// small lock; settling gives back what it did not spend. A lease that falls below half of what it last got asks the
/// ledger for more in the background, so that calls go on meanwhile; only when a lease cannot cover a call does the
/// call wait for the ledger, which tops the lease up from what is left (never more: the sum of all nodes' leases and
/// the spending stays within a hard budget, so concurrent calls on any number of nodes cannot overspend it). A scope without a
/// budget holds no lease at all. Leases are renewed while used, returned when idle, and dropped (unused part returned)
/// when the ledger says a budget changed or forgot the lease.
/// </summary>
internal sealed partial class BudgetLeases(TimeProvider time, ILogger<BudgetLeases> logger)
{
    /// <summary>How long the ledger keeps a lease that is not renewed (a node that died frees its lease after this).</summary>
    public const int LeaseSeconds = 30;

    /// <summary>How long this node trusts a lease since the ledger last confirmed it: well inside <see cref="LeaseSeconds"/>.</summary>
    private static readonly TimeSpan TrustFor = TimeSpan.FromSeconds(LeaseSeconds / 2);

    /// <summary>A lease unused this long is returned.</summary>
    private static readonly TimeSpan IdleAfter = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<(string Tenant, string? Project), Lease> _leases = new();
    private readonly string _node = Guid.NewGuid().ToString("N")[..12];
    private long _generation;

    /// <summary>
    /// Reserves <paramref name="maxCost"/> for one call from this node's lease, when it can without waiting for the
    /// ledger; <paramref name="askLedger"/> tops a lease that runs low up in the background.
    /// </summary>
    public bool TryReserve(
        string tenantId, string? projectId, decimal maxCost, int leaseCalls, AskLedger askLedger, [NotNullWhen(true)] out BudgetAdmission? admission)
    {
        admission = _leases.TryGetValue((tenantId, projectId), out var lease) ? TryTake(lease, maxCost, leaseCalls, askLedger) : null;
        return admission is not null;
    }

    /// <summary>
    /// Reserves <paramref name="maxCost"/> for one call; <paramref name="askLedger"/> tops the lease up when it cannot
    /// cover it. <paramref name="cancellationToken"/> stops this call's wait, not the top-up, which other calls share.
    /// </summary>
    public async Task<BudgetAdmission> ReserveAsync(
        string tenantId, string? projectId, decimal maxCost, int leaseCalls, AskLedger askLedger, CancellationToken cancellationToken)
    {
        BudgetStatus? refusal = null;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var lease = _leases.GetOrAdd((tenantId, projectId), key => new Lease(key.Tenant, key.Project, $"{_node}/{key.Project}/{Interlocked.Increment(ref _generation)}"));
            if (TryTake(lease, maxCost, leaseCalls, askLedger) is { } admitted)
            {
                return admitted;
            }

            Task refill;
            lock (lease)
            {
                if (refusal is not null && lease.Usable(time.GetUtcNow()))
                {
                    return BudgetAdmission.Denied(refusal);
                }

                refill = lease.Refill ??= RefillAsync(lease, LeaseWorth(maxCost, leaseCalls), maxCost, askLedger);
            }

            await refill.WaitAsync(cancellationToken);
            lock (lease)
            {
                refusal = lease.Refusal;
            }
        }

        return BudgetAdmission.Denied(refusal);
    }

    /// <summary>
    /// The call's admission from <paramref name="lease"/>, or null when the lease is not usable or cannot cover it. A
    /// lease left below its refill mark is topped up in the background.
    /// </summary>
    private BudgetAdmission? TryTake(Lease lease, decimal maxCost, int leaseCalls, AskLedger askLedger)
    {
        lock (lease)
        {
            var now = time.GetUtcNow();
            if (!lease.Usable(now))
            {
                return null;
            }

            lease.LastUsed = now;
            if (!lease.Bounded)
            {
                return BudgetAdmission.Unbounded;
            }

            if (lease.Available < maxCost)
            {
                return null;
            }

            lease.Available -= maxCost;
            lease.Reserved += maxCost;
            if (lease.Available < lease.RefillBelow && lease.Refill is null)
            {
                lease.Refill = RefillAsync(lease, LeaseWorth(maxCost, leaseCalls), maxCost, askLedger);
            }

            return new BudgetAdmission(lease, maxCost, lease.OverSoft ? lease.Status : null);
        }
    }

    /// <summary>A call admitted from a lease finished and cost <paramref name="cost"/>: the rest of its reservation goes back to the lease.</summary>
    /// <returns>An amount to give back to the ledger now (the lease was dropped meanwhile), or zero.</returns>
    public decimal Settle(BudgetAdmission admission, decimal cost)
    {
        if (admission.Lease is not { } lease)
        {
            return 0m;
        }

        lock (lease)
        {
            lease.Reserved -= admission.Amount;
            var unused = admission.Amount - cost;
            if (!lease.Dropped)
            {
                lease.Available += unused;
                return 0m;
            }

            return Math.Max(0m, unused);
        }
    }

    /// <summary>
    /// Renews the leases in use, returns idle ones; <paramref name="tell"/> sends a message to the tenant's ledger.
    /// Called every few seconds.
    /// </summary>
    public void Maintain(Action<IWithTenantId> tell)
    {
        var now = time.GetUtcNow();
        foreach (var (_, lease) in _leases)
        {
            bool idle;
            lock (lease)
            {
                if (!lease.Granted || lease.Refill is not null)
                {
                    continue;
                }

                idle = lease.Reserved == 0 && now - lease.LastUsed > IdleAfter;
            }

            if (idle)
            {
                Drop(lease, tell);
            }
            else
            {
                tell(new LedgerCommands.RenewBudgetLease(lease.TenantId, lease.Id, LeaseSeconds));
            }
        }
    }

    /// <summary>The ledger answered a renewal: the lease is trusted again, or dropped when forgotten or its budget changed.</summary>
    public void Renewed(LedgerCommands.BudgetLeaseRenewed renewed, Action<IWithTenantId> tell)
    {
        foreach (var (_, lease) in _leases)
        {
            if (lease.Id != renewed.LeaseId)
            {
                continue;
            }

            if ((lease.Bounded && !renewed.Known) || lease.BudgetVersion != renewed.BudgetVersion)
            {
                Drop(lease, tell);
                return;
            }

            lock (lease)
            {
                lease.TrustedUntil = time.GetUtcNow() + TrustFor;
            }
        }
    }

    /// <summary>A budget of the tenant changed: its leases are returned, and the next call asks for a lease on the new terms.</summary>
    public void Invalidate(string tenantId, long budgetVersion, Action<IWithTenantId> tell)
    {
        foreach (var (key, lease) in _leases)
        {
            if (key.Tenant == tenantId && lease.BudgetVersion < budgetVersion)
            {
                Drop(lease, tell);
            }
        }
    }

    /// <summary>Forgets every lease of the tenant, returning what they hold (a budget set through this node).</summary>
    public void Invalidate(string tenantId, Action<IWithTenantId> tell) => Invalidate(tenantId, long.MaxValue, tell);

    private static decimal LeaseWorth(decimal maxCost, int leaseCalls) => maxCost * Math.Max(1, leaseCalls);

    /// <summary>
    /// Asks the ledger for <paramref name="want"/> more. Started under the lease's lock, it yields first, so it takes
    /// that lock again only after the caller let it go. A failure reaches the calls waiting for it; it is also logged
    /// here, because a top-up asked ahead has no caller waiting, and the lease's next call simply asks again.
    /// </summary>
    private async Task RefillAsync(Lease lease, decimal want, decimal minimum, AskLedger askLedger)
    {
        await Task.Yield();
        try
        {
            var reply = await askLedger(new LedgerCommands.LeaseBudget(lease.TenantId, lease.Id, lease.ProjectId, want, minimum, LeaseSeconds));
            lock (lease)
            {
                var now = time.GetUtcNow();
                lease.Granted = true;
                lease.Bounded = reply.Bounded;
                lease.BudgetVersion = reply.BudgetVersion;
                lease.TrustedUntil = now + TrustFor;
                lease.LastUsed = now;
                lease.Status = reply.Budget;
                lease.OverSoft = reply.Outcome == ReserveOutcome.GrantedOverSoftBudget;
                lease.Available += reply.Granted;
                // A lease granted in full is topped up ahead from half of it; one the budget cut short waits until it runs dry.
                lease.RefillBelow = reply.Granted >= want ? want / 2 : 0m;
                lease.Refusal = reply.Outcome == ReserveOutcome.Denied ? reply.Budget : null;
            }
        }
        catch (Exception exception)
        {
            LogTopUpFailed(lease.TenantId, lease.ProjectId ?? "", exception.Message);
            throw;
        }
        finally
        {
            lock (lease)
            {
                lease.Refill = null;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The budget lease of tenant {TenantId} (project '{ProjectId}') could not be topped up: {Reason}")]
    private partial void LogTopUpFailed(string tenantId, string projectId, string reason);

    private void Drop(Lease lease, Action<IWithTenantId> tell)
    {
        decimal? giveBack;
        lock (lease)
        {
            if (lease.Dropped)
            {
                return;
            }

            lease.Dropped = true;
            giveBack = lease.Reserved == 0 ? null : lease.Available;
            lease.Available = 0m;
        }

        _leases.TryRemove(new KeyValuePair<(string, string?), Lease>((lease.TenantId, lease.ProjectId), lease));
        if (lease.Bounded && giveBack is not <= 0m)
        {
            tell(new LedgerCommands.ReturnBudget(lease.TenantId, lease.Id, giveBack));
        }
    }

    /// <summary>One lease; every field is read and written under a lock on the lease.</summary>
    internal sealed class Lease(string tenantId, string? projectId, string id)
    {
        public string TenantId { get; } = tenantId;

        public string? ProjectId { get; } = projectId;

        public string Id { get; } = id;

        public bool Granted { get; set; }

        public bool Bounded { get; set; }

        public bool Dropped { get; set; }

        public bool OverSoft { get; set; }

        public decimal Available { get; set; }

        public decimal Reserved { get; set; }

        /// <summary>Below this much <see cref="Available"/> a call that takes from the lease starts a top-up.</summary>
        public decimal RefillBelow { get; set; }

        public long BudgetVersion { get; set; }

        public DateTimeOffset TrustedUntil { get; set; }

        public DateTimeOffset LastUsed { get; set; }

        public BudgetStatus? Status { get; set; }

        public BudgetStatus? Refusal { get; set; }

        public Task? Refill { get; set; }

        public bool Usable(DateTimeOffset now) => Granted && !Dropped && now < TrustedUntil;
    }
}

/// <summary>Sends a lease request to the tenant's ledger and gets its answer.</summary>
internal delegate Task<LedgerCommands.BudgetLeased> AskLedger(LedgerCommands.LeaseBudget command);

/// <summary>
/// A call's admission by its tenant's budgets: from a lease (settle it), without one (no budget applies), or refused
/// by the budget in <see cref="Refusal"/>. <see cref="OverSoftBudget"/> is set when a soft budget is exceeded.
/// </summary>
internal sealed record BudgetAdmission(BudgetLeases.Lease? Lease, decimal Amount, BudgetStatus? OverSoftBudget, BudgetStatus? Refusal = null, bool Admitted = true)
{
    public static readonly BudgetAdmission Unbounded = new(null, 0m, null);

    public string? LeaseId => Lease?.Id;

    public static BudgetAdmission Denied(BudgetStatus? budget) => new(null, 0m, null, budget, Admitted: false);
}
