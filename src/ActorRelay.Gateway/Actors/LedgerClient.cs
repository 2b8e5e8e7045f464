using ActorRelay.Actors.Ledger;
using ActorRelay.Core.Ledger;
using ActorRelay.Gateway.Observability;
using Akka.Actor;
using Akka.Hosting;

namespace ActorRelay.Gateway.Actors;

/// <summary>The HTTP side's handle on the sharded tenant ledgers.</summary>
internal sealed partial class LedgerClient(IRequiredActor<TenantLedgerActor> ledgers, ILogger<LedgerClient> logger)
{
    /// <summary>
    /// A settled call's write is retried for about two minutes (12 asks of 10 s): long enough to outlast a failover,
    /// when the tenant's entity moves to another node after the split-brain resolver downs a dead one.
    /// </summary>
    private const int Attempts = 12;
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Records one call and waits for the journal's acknowledgement. Retries are safe: the ledger bills a
    /// request id once. Never throws: a write that still fails is logged and counted.
    /// </summary>
    public async Task RecordAsync(LedgerEvents.CostRecorded cost)
    {
        var region = await ledgers.GetAsync();
        for (var attempt = 1; attempt <= Attempts; attempt++)
        {
            try
            {
                var ack = await region.Ask<LedgerCommands.CostAck>(new LedgerCommands.RecordCost(cost.TenantId, cost), AskTimeout);
                if (ack.Duplicate)
                {
                    LogDuplicate(cost.RequestId, cost.TenantId);
                }

                return;
            }
            catch (Exception exception) when (exception is AskTimeoutException or TaskCanceledException)
            {
                LogRetry(exception, attempt, cost.RequestId);
            }
        }

        GatewayMetrics.LedgerWriteFailures.Inc();
        LogLost(cost.RequestId, cost.TenantId, cost.Cost);
    }

    /// <summary>Reserves a call's maximum cost against the tenant's (and project's) budgets.</summary>
    public async Task<LedgerCommands.ReserveReply> ReserveAsync(string tenantId, string requestId, string? projectId, decimal maxCost, TimeSpan lease, CancellationToken cancellationToken)
    {
        var region = await ledgers.GetAsync(cancellationToken);
        return await region.Ask<LedgerCommands.ReserveReply>(
            new LedgerCommands.Reserve(tenantId, requestId, projectId, maxCost, (int)Math.Ceiling(lease.TotalSeconds)), AskTimeout, cancellationToken);
    }

    /// <summary>Frees a reservation whose call never reached a vendor.</summary>
    public async Task ReleaseAsync(string tenantId, string requestId)
    {
        var region = await ledgers.GetAsync();
        region.Tell(new LedgerCommands.ReleaseReservation(tenantId, requestId));
    }

    public async Task<LedgerQueries.BudgetsReport> SetBudgetAsync(string tenantId, string? projectId, BudgetSpec? budget, CancellationToken cancellationToken)
    {
        var region = await ledgers.GetAsync(cancellationToken);
        return await region.Ask<LedgerQueries.BudgetsReport>(new LedgerCommands.SetBudget(tenantId, projectId, budget), AskTimeout, cancellationToken);
    }

    public async Task<LedgerQueries.BudgetsReport> BudgetsAsync(string tenantId, CancellationToken cancellationToken)
    {
        var region = await ledgers.GetAsync(cancellationToken);
        return await region.Ask<LedgerQueries.BudgetsReport>(new LedgerQueries.GetBudgets(tenantId), AskTimeout, cancellationToken);
    }

    public async Task<LedgerQueries.UsageReport> UsageAsync(string tenantId, CancellationToken cancellationToken)
    {
        var region = await ledgers.GetAsync(cancellationToken);
        return await region.Ask<LedgerQueries.UsageReport>(new LedgerQueries.GetUsage(tenantId), AskTimeout, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Request {RequestId} was already billed to tenant {TenantId}; not billed again")]
    private partial void LogDuplicate(string requestId, string tenantId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ledger write attempt {Attempt} for request {RequestId} timed out")]
    private partial void LogRetry(Exception exception, int attempt, string requestId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Ledger write for request {RequestId} (tenant {TenantId}, cost {Cost}) failed after all attempts")]
    private partial void LogLost(string requestId, string tenantId, decimal cost);
}
