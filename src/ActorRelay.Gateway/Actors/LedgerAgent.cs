using System.Collections.Concurrent;
using ActorRelay.Actors.Ledger;
using ActorRelay.Gateway.Observability;
using Akka.Actor;
using Akka.Event;

namespace ActorRelay.Gateway.Actors;

/// <summary>
/// This node's one correspondent with the tenant ledgers (so that a ledger knows the node by one address): it takes
/// the calls settled on this node from its <see cref="SettledCalls"/> every <c>Ledger:BatchMilliseconds</c> while there
/// are any (a call settles without a message of its own), sends them in batches, one batch per tenant in flight, so
/// that the calls settled meanwhile go together in the next one (one journal write for many calls), and resends a
/// batch that was not acknowledged (the ledger bills a request id once) for about two minutes, long enough to outlast
/// a failover. A reader of a tenant's usage does not wait for the batch interval: its flush takes and sends at once.
/// It also carries this node's budget lease requests and renewals, and hears when a tenant's budget changed.
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

    private const string TakeTimer = "take-settled";

    private readonly IActorRef _ledgers;
    private readonly BudgetLeases _leases;
    private readonly SettledCalls _settled;
    private readonly TimeSpan _batchInterval;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, Outbox> _outboxes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TaskCompletionSource<LedgerCommands.BudgetLeased>> _leaseRequests = new(StringComparer.Ordinal);
    private readonly List<(string? TenantId, long Until, TaskCompletionSource Done)> _flushes = [];
    /// <summary>This agent instance, to the ledgers: its batch numbers start again with it (after a restart too).</summary>
    private readonly string _senderId = Guid.NewGuid().ToString("N");
    private long _batchIds;

    public LedgerAgent(IActorRef ledgers, BudgetLeases leases, SettledCalls settled, TimeSpan batchInterval)
    {
        _ledgers = ledgers;
        _leases = leases;
        _settled = settled;
        _batchInterval = batchInterval;
        Receive<SettledCalls.Waiting>(_ =>
        {
            if (!Timers.IsTimerActive(TakeTimer))
            {
                Timers.StartSingleTimer(TakeTimer, TakeDue.Instance, _batchInterval);
            }
        });
        Receive<TakeDue>(_ =>
        {
            TakeSettled();
            SendReady();
        });
        Receive<Flush>(HandleFlush);
        Receive<LedgerCommands.CostsAck>(HandleAck);
        Receive<Resend>(HandleResend);
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

    /// <summary>Also takes the inbox once: after a restart, calls may be waiting there whose announcement went to the agent before it.</summary>
    protected override void PreStart()
    {
        Timers.StartPeriodicTimer(nameof(Maintain), Maintain.Instance, MaintainEvery);
        Timers.StartSingleTimer(TakeTimer, TakeDue.Instance, _batchInterval);
    }

    private void ToLedger(IWithTenantId message) => _ledgers.Tell(message, Self);

    /// <summary>Moves every settled call into its tenant's outbox.</summary>
    private void TakeSettled()
    {
        while (_settled.TryTake(out var tenantId, out var cost))
        {
            if (!_outboxes.TryGetValue(tenantId, out var outbox))
            {
                _outboxes[tenantId] = outbox = new Outbox();
            }

            outbox.Pending.Add(cost);
            outbox.Enqueued++;
        }
    }

    /// <summary>Sends the next batch of every tenant that has calls waiting and no batch in flight.</summary>
    private void SendReady()
    {
        foreach (var (tenantId, outbox) in _outboxes)
        {
            if (outbox.InFlight is null && outbox.Pending.Count > 0)
            {
                SendNext(tenantId, outbox);
            }
        }
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
        _ledgers.Tell(new LedgerCommands.RecordCosts(tenantId, outbox.BatchId, outbox.InFlight!, _senderId));
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

    /// <summary>A batch is done with: the calls that gathered while it was in flight go next.</summary>
    private void Advance(string tenantId, Outbox outbox)
    {
        outbox.InFlight = null;
        if (outbox.Pending.Count > 0)
        {
            SendNext(tenantId, outbox);
        }
        else
        {
            _outboxes.Remove(tenantId);
        }

        CompleteFlushes();
    }

    private void HandleFlush(Flush flush)
    {
        // A tenant's flush waits for the calls settled before it, not for those that keep arriving after it.
        TakeSettled();
        var until = flush.TenantId is not null && _outboxes.TryGetValue(flush.TenantId, out var outbox) ? outbox.Enqueued : 0;
        _flushes.Add((flush.TenantId, until, flush.Done));
        SendReady();
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

    /// <summary>Completes <paramref name="Done"/> once every call of the tenant (of all tenants, when null) settled here so far is in the ledger.</summary>
    public sealed record Flush(string? TenantId, TaskCompletionSource Done);

    /// <summary>Sends a lease request with this agent as its sender; <paramref name="Reply"/> gets the answer.</summary>
    public sealed record RequestLease(LedgerCommands.LeaseBudget Command, TaskCompletionSource<LedgerCommands.BudgetLeased> Reply);

    /// <summary>Gives back part of a lease that was dropped while calls still held it.</summary>
    public sealed record ReturnToLedger(LedgerCommands.ReturnBudget Command);

    private sealed record Resend(string TenantId, long BatchId);

    private sealed record LeaseTimedOut(string LeaseId);

    private sealed class Maintain
    {
        public static readonly Maintain Instance = new();
    }

    private sealed class TakeDue
    {
        public static readonly TakeDue Instance = new();
    }

    private sealed class Outbox
    {
        public List<LedgerCommands.LeasedCost> Pending { get; } = [];

        public List<LedgerCommands.LeasedCost>? InFlight { get; set; }

        public long BatchId { get; set; }

        public int Attempt { get; set; }

        /// <summary>Calls handed to this outbox since it was opened.</summary>
        public long Enqueued { get; set; }

        /// <summary>Calls of <see cref="Enqueued"/> written (or given up on): neither waiting nor in flight.</summary>
        public long Acknowledged => Enqueued - Pending.Count - (InFlight?.Count ?? 0);
    }
}

/// <summary>
/// Calls settled on this node on their way to its <see cref="LedgerAgent"/>: a call adds itself without a message; the
/// first call into an idle inbox tells the agent (<see cref="Waiting"/>), which takes everything there on its next batch.
/// </summary>
internal sealed class SettledCalls
{
    private readonly ConcurrentQueue<(string TenantId, LedgerCommands.LeasedCost Cost)> _calls = new();
    private int _awaited;

    /// <summary>Adds a settled call; true when the agent must be told, because it is not already coming for the inbox.</summary>
    public bool Add(string tenantId, LedgerCommands.LeasedCost cost)
    {
        _calls.Enqueue((tenantId, cost));
        return Interlocked.Exchange(ref _awaited, 1) == 0;
    }

    /// <summary>
    /// The agent takes one call. Each take first marks the inbox idle again (a full fence before the read), so a call
    /// added after the agent's last take tells the agent once more, and none is left behind unannounced.
    /// </summary>
    public bool TryTake(out string tenantId, out LedgerCommands.LeasedCost cost)
    {
        Interlocked.Exchange(ref _awaited, 0);
        var taken = _calls.TryDequeue(out var call);
        (tenantId, cost) = call;
        return taken;
    }

    /// <summary>Sent to the agent by the call that found the inbox idle.</summary>
    public sealed class Waiting
    {
        public static readonly Waiting Instance = new();
    }
}
