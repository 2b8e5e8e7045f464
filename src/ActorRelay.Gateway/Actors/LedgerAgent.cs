using ActorRelay.Actors.Ledger;
using ActorRelay.Gateway.Observability;
using Akka.Actor;
using Akka.Event;

namespace ActorRelay.Gateway.Actors;

/// <summary>
/// This node's one correspondent with the tenant ledgers (so that a ledger knows the node by one address): it sends
/// settled calls in batches, one batch per tenant in flight and at most one per <c>Ledger:BatchMilliseconds</c>, so
/// that the calls settled meanwhile go together in the next one (one journal write for many calls), and resends a
/// batch that was not acknowledged (the ledger bills a request id once) for about two minutes, long enough to outlast
/// a failover. A reader of a tenant's usage does not wait for the batch interval: its flush sends at once. It also carries this node's budget lease requests and
/// renewals, and hears when a tenant's budget changed.
/// </summary>
internal sealed class LedgerAgent : ReceiveActor, IWithTimers
{
    /// <summary>
    /// Calls per batch, and so per journal row: a call is about 500 bytes of JSON, so a full batch stays under the
    /// 85,000 bytes from which .NET puts an array on the large-object heap (collected only with generation 2).
    /// </summary>
    public const int MaxBatch = 128;
    private const int Attempts = 12;
    private static readonly TimeSpan AckTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan LeaseTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan MaintainEvery = TimeSpan.FromSeconds(5);

    private readonly IActorRef _ledgers;
    private readonly BudgetLeases _leases;
    private readonly TimeSpan _batchInterval;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, Outbox> _outboxes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TaskCompletionSource<LedgerCommands.BudgetLeased>> _leaseRequests = new(StringComparer.Ordinal);
    private readonly List<(string? TenantId, long Until, TaskCompletionSource Done)> _flushes = [];
    private long _batchIds;

    public LedgerAgent(IActorRef ledgers, BudgetLeases leases, TimeSpan batchInterval)
    {
        _ledgers = ledgers;
        _leases = leases;
        _batchInterval = batchInterval;
        Receive<Record>(record => Enqueue(record.TenantId, record.Cost));
        Receive<Flush>(HandleFlush);
        Receive<LedgerCommands.CostsAck>(HandleAck);
        Receive<Resend>(HandleResend);
        Receive<SendBatch>(send =>
        {
            if (_outboxes.TryGetValue(send.TenantId, out var outbox))
            {
                outbox.Scheduled = false;
                if (outbox.InFlight is null && outbox.Pending.Count > 0)
                {
                    SendNext(send.TenantId, outbox);
                }
            }
        });
        Receive<RequestLease>(request =>
        {
            _leaseRequests[request.Command.LeaseId] = request.Reply;
            _ledgers.Tell(request.Command);
            Timers.StartSingleTimer(request.Command.LeaseId, new LeaseTimedOut(request.Command.LeaseId), LeaseTimeout);
        });
        Receive<LedgerCommands.BudgetLeased>(leased =>
        {
            Timers.Cancel(leased.LeaseId);
            if (_leaseRequests.Remove(leased.LeaseId, out var reply))
            {
                reply.TrySetResult(leased);
            }
        });
        Receive<LeaseTimedOut>(timedOut =>
        {
            if (_leaseRequests.Remove(timedOut.LeaseId, out var reply))
            {
                reply.TrySetException(new TimeoutException($"The tenant ledger did not answer a budget lease request within {LeaseTimeout.TotalSeconds:0} s."));
            }
        });
        Receive<LedgerCommands.BudgetLeaseRenewed>(renewed => _leases.Renewed(renewed, ToLedger));
        Receive<LedgerCommands.BudgetChanged>(changed => _leases.Invalidate(changed.TenantId, changed.BudgetVersion, ToLedger));
        Receive<Maintain>(_ => _leases.Maintain(ToLedger));
        Receive<ReturnToLedger>(give => ToLedger(give.Command));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart() => Timers.StartPeriodicTimer(nameof(Maintain), Maintain.Instance, MaintainEvery);

    private void ToLedger(IWithTenantId message) => _ledgers.Tell(message, Self);

    private void Enqueue(string tenantId, LedgerCommands.LeasedCost cost)
    {
        if (!_outboxes.TryGetValue(tenantId, out var outbox))
        {
            _outboxes[tenantId] = outbox = new Outbox();
        }

        outbox.Pending.Add(cost);
        outbox.Enqueued++;
        if (outbox.InFlight is null)
        {
            SendSoon(tenantId, outbox);
        }
    }

    /// <summary>Sends a full batch now; else waits for the batch interval to gather more (a flush sends at once).</summary>
    private void SendSoon(string tenantId, Outbox outbox)
    {
        if (outbox.Pending.Count >= MaxBatch || FlushWaitsFor(tenantId))
        {
            Timers.Cancel(LingerTimer(tenantId));
            outbox.Scheduled = false;
            SendNext(tenantId, outbox);
        }
        else if (!outbox.Scheduled)
        {
            outbox.Scheduled = true;
            Timers.StartSingleTimer(LingerTimer(tenantId), new SendBatch(tenantId), _batchInterval);
        }
    }

    private bool FlushWaitsFor(string tenantId)
    {
        foreach (var flush in _flushes)
        {
            if (flush.TenantId is null || flush.TenantId == tenantId)
            {
                return true;
            }
        }

        return false;
    }

    private void SendNext(string tenantId, Outbox outbox)
    {
        var take = Math.Min(outbox.Pending.Count, MaxBatch);
        outbox.InFlight = outbox.Pending.GetRange(0, take);
        outbox.Pending.RemoveRange(0, take);
        outbox.BatchId = ++_batchIds;
        outbox.Attempt = 1;
        Send(tenantId, outbox);
    }

    private void Send(string tenantId, Outbox outbox)
    {
        _ledgers.Tell(new LedgerCommands.RecordCosts(tenantId, outbox.BatchId, outbox.InFlight!));
        Timers.StartSingleTimer(BatchTimer(tenantId), new Resend(tenantId, outbox.BatchId), AckTimeout);
    }

    private void HandleAck(LedgerCommands.CostsAck ack)
    {
        if (!_outboxes.TryGetValue(ack.TenantId, out var outbox) || outbox.BatchId != ack.BatchId || outbox.InFlight is null)
        {
            return;
        }

        Timers.Cancel(BatchTimer(ack.TenantId));
        if (ack.Duplicates > 0)
        {
            _log.Info("Tenant {0}: {1} call(s) of a ledger batch were already billed; not billed again", ack.TenantId, ack.Duplicates);
        }

        Advance(ack.TenantId, outbox);
    }

    private void HandleResend(Resend resend)
    {
        if (!_outboxes.TryGetValue(resend.TenantId, out var outbox) || outbox.BatchId != resend.BatchId || outbox.InFlight is null)
        {
            return;
        }

        if (outbox.Attempt >= Attempts)
        {
            GatewayMetrics.LedgerWriteFailures.Inc(outbox.InFlight.Count);
            _log.Error("Tenant {0}: a ledger batch of {1} call(s) (cost {2}) could not be written after {3} attempts",
                resend.TenantId, outbox.InFlight.Count, outbox.InFlight.Sum(leased => leased.Cost.Cost), Attempts);
            Advance(resend.TenantId, outbox);
            return;
        }

        _log.Warning("Tenant {0}: ledger batch attempt {1} timed out; sending it again", resend.TenantId, outbox.Attempt);
        outbox.Attempt++;
        Send(resend.TenantId, outbox);
    }

    private void Advance(string tenantId, Outbox outbox)
    {
        outbox.InFlight = null;
        if (outbox.Pending.Count > 0)
        {
            SendSoon(tenantId, outbox);
        }
        else if (!outbox.Scheduled)
        {
            _outboxes.Remove(tenantId);
        }

        CompleteFlushes();
    }

    private void HandleFlush(Flush flush)
    {
        // A tenant's flush waits for the calls settled before it, not for those that keep arriving after it.
        var until = flush.TenantId is not null && _outboxes.TryGetValue(flush.TenantId, out var outbox) ? outbox.Enqueued : 0;
        _flushes.Add((flush.TenantId, until, flush.Done));
        foreach (var (tenantId, pending) in _outboxes)
        {
            if ((flush.TenantId is null || flush.TenantId == tenantId) && pending.InFlight is null && pending.Pending.Count > 0)
            {
                SendSoon(tenantId, pending);
            }
        }

        CompleteFlushes();
    }

    private void CompleteFlushes()
    {
        _flushes.RemoveAll(flush =>
        {
            var done = flush.TenantId is null
                ? _outboxes.Count == 0
                : !_outboxes.TryGetValue(flush.TenantId, out var outbox) || outbox.Acknowledged >= flush.Until;
            if (done)
            {
                flush.Done.TrySetResult();
            }

            return done;
        });
    }

    private static string BatchTimer(string tenantId) => "batch:" + tenantId;

    private static string LingerTimer(string tenantId) => "linger:" + tenantId;

    /// <summary>Bills one settled call (no reply).</summary>
    public sealed record Record(string TenantId, LedgerCommands.LeasedCost Cost);

    /// <summary>Completes <paramref name="Done"/> once every call of the tenant (of all tenants, when null) settled here so far is in the ledger.</summary>
    public sealed record Flush(string? TenantId, TaskCompletionSource Done);

    /// <summary>Sends a lease request with this agent as its sender; <paramref name="Reply"/> gets the answer.</summary>
    public sealed record RequestLease(LedgerCommands.LeaseBudget Command, TaskCompletionSource<LedgerCommands.BudgetLeased> Reply);

    /// <summary>Gives back part of a lease that was dropped while calls still held it.</summary>
    public sealed record ReturnToLedger(LedgerCommands.ReturnBudget Command);

    private sealed record Resend(string TenantId, long BatchId);

    private sealed record SendBatch(string TenantId);

    private sealed record LeaseTimedOut(string LeaseId);

    private sealed class Maintain
    {
        public static readonly Maintain Instance = new();
    }

    private sealed class Outbox
    {
        public List<LedgerCommands.LeasedCost> Pending { get; } = [];

        public List<LedgerCommands.LeasedCost>? InFlight { get; set; }

        public long BatchId { get; set; }

        public int Attempt { get; set; }

        /// <summary>A <see cref="SendBatch"/> is scheduled.</summary>
        public bool Scheduled { get; set; }

        /// <summary>Calls handed to this outbox since it was opened.</summary>
        public long Enqueued { get; set; }

        /// <summary>Calls of <see cref="Enqueued"/> written (or given up on): neither waiting nor in flight.</summary>
        public long Acknowledged => Enqueued - Pending.Count - (InFlight?.Count ?? 0);
    }
}
