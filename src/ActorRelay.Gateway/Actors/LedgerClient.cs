using ActorRelay.Actors.Ledger;
using ActorRelay.Core.Ledger;
using ActorRelay.Gateway.Access;
using ActorRelay.Gateway.Options;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.Options;

namespace ActorRelay.Gateway.Actors;

/// <summary>
/// The HTTP side's handle on the sharded tenant ledgers. A call's budget is reserved from this node's lease
/// (<see cref="BudgetLeases"/>), asking the ledger only when the lease runs short; a settled call is left in this
/// node's <see cref="SettledCalls"/>, from which its <see cref="LedgerAgent"/> bills it in the next batch, and the
/// request does not wait for the journal.
/// Reads of a tenant's usage and budgets first wait until this node's settled calls of that tenant are billed, so that
/// a client reads its own calls. With <see cref="LedgerOptions.Enabled"/> off nothing is reserved or billed.
/// </summary>
internal sealed class LedgerClient(
    ActorSystem system,
    IRequiredActor<TenantLedgerActor> ledgers,
    BudgetLeases leases,
    SettledCalls settled,
    IOptionsMonitor<GatewayOptions> options)
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan FlushTimeout = TimeSpan.FromSeconds(10);
    private readonly Lazy<Task<IActorRef>> _agent = new(async () =>
    {
        var region = await ledgers.GetAsync();
        var batchInterval = TimeSpan.FromMilliseconds(options.CurrentValue.Ledger.BatchMilliseconds);
        return system.ActorOf(Props.Create(() => new LedgerAgent(region, leases, settled, batchInterval)), "ledger-agent");
    });

    /// <summary><see cref="AskLedgerAsync"/> bound once, on first use (a field initializer cannot bind an instance method).</summary>
    private AskLedger? _askLedger;

    public bool Enabled => options.CurrentValue.Ledger.Enabled;

    /// <summary>Admits a call of at most <paramref name="maxCost"/> against the caller's tenant and project budgets.</summary>
    public ValueTask<BudgetAdmission> ReserveAsync(Caller caller, decimal maxCost, CancellationToken cancellationToken)
    {
        var leaseCalls = options.CurrentValue.Ledger.LeaseCalls;
        var askLedger = _askLedger ??= AskLedgerAsync;
        return leases.TryReserve(caller.TenantId, caller.ProjectId, maxCost, leaseCalls, askLedger, out var admission)
            ? ValueTask.FromResult(admission)
            : new ValueTask<BudgetAdmission>(leases.ReserveAsync(caller.TenantId, caller.ProjectId, maxCost, leaseCalls, askLedger, cancellationToken));
    }

    /// <summary>A lease request through this node's agent, which fails it when the ledger does not answer in time.</summary>
    private async Task<LedgerCommands.BudgetLeased> AskLedgerAsync(LedgerCommands.LeaseBudget command)
    {
        var agent = await _agent.Value;
        var reply = new TaskCompletionSource<LedgerCommands.BudgetLeased>(TaskCreationOptions.RunContinuationsAsynchronously);
        agent.Tell(new LedgerAgent.RequestLease(command, reply));
        return await reply.Task;
    }

    /// <summary>A call that was admitted but will not be billed (it never reached a vendor): its reservation goes back to the lease.</summary>
    public void Release(BudgetAdmission admission) => Settle(admission, 0m);

    /// <summary>
    /// Bills one settled call (in the next batch) and gives the unspent part of its reservation back to the lease. Only
    /// for an <see cref="Enabled"/> ledger: the caller checks first, so that a gateway without one builds no event per call.
    /// </summary>
    public void Record(LedgerEvents.CostRecorded cost, BudgetAdmission admission)
    {
        Settle(admission, cost.Cost);
        if (settled.Add(cost.TenantId, new LedgerCommands.LeasedCost(cost, admission.LeaseId)))
        {
            _ = Tell(SettledCalls.Waiting.Instance);
        }
    }

    /// <summary>Waits until every call settled on this node so far (of one tenant, or of all when null) is in the ledger.</summary>
    public async Task FlushAsync(string? tenantId, CancellationToken cancellationToken)
    {
        if (tenantId is null && !_agent.IsValueCreated)
        {
            return;
        }

        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await Tell(new LedgerAgent.Flush(tenantId, done));
        await done.Task.WaitAsync(FlushTimeout, cancellationToken);
    }

    public async Task<LedgerQueries.BudgetsReport> SetBudgetAsync(string tenantId, string? projectId, BudgetSpec? budget, CancellationToken cancellationToken)
    {
        var region = await ledgers.GetAsync(cancellationToken);
        var report = await region.Ask<LedgerQueries.BudgetsReport>(new LedgerCommands.SetBudget(tenantId, projectId, budget), AskTimeout, cancellationToken);
        // The ledger tells every lessee; this node, which set it, forgets its own leases before it answers.
        var agent = await _agent.Value;
        leases.Invalidate(tenantId, message => region.Tell(message, agent));
        return report;
    }

    public async Task<LedgerQueries.BudgetsReport> BudgetsAsync(string tenantId, CancellationToken cancellationToken)
    {
        await FlushAsync(tenantId, cancellationToken);
        var region = await ledgers.GetAsync(cancellationToken);
        return await region.Ask<LedgerQueries.BudgetsReport>(new LedgerQueries.GetBudgets(tenantId), AskTimeout, cancellationToken);
    }

    public async Task<LedgerQueries.UsageReport> UsageAsync(string tenantId, CancellationToken cancellationToken)
    {
        await FlushAsync(tenantId, cancellationToken);
        var region = await ledgers.GetAsync(cancellationToken);
        return await region.Ask<LedgerQueries.UsageReport>(new LedgerQueries.GetUsage(tenantId), AskTimeout, cancellationToken);
    }

    private void Settle(BudgetAdmission admission, decimal cost)
    {
        var giveBack = leases.Settle(admission, cost);
        if (giveBack > 0m && admission.Lease is { } lease)
        {
            _ = Tell(new LedgerAgent.ReturnToLedger(new LedgerCommands.ReturnBudget(lease.TenantId, lease.Id, giveBack)));
        }
    }

    private async Task Tell(object message) => (await _agent.Value).Tell(message);
}
