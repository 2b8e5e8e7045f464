using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Hosting;

namespace ActorRelay.Actors.Idempotency;

/// <summary>
/// One tenant's idempotency key, sharded and short-lived. The first call owns the key and runs; repeats that arrive
/// while it runs wait for its result (their asks are answered when it finishes), and repeats within the window after
/// it succeeded get the stored result. A failed owner hands the key to the first waiting repeat. Soft state: the
/// entity passivates at the end of its window, and a node crash forgets it (the ledger still bills a request id once).
/// </summary>
public sealed class IdempotencyActor : ReceiveActor, IWithTimers
{
    private const string LeaseTimer = "lease";
    private const string WindowTimer = "window";

    private readonly Queue<(IActorRef Sender, string RequestId)> _waiting = new();
    private string? _fingerprint;
    private string? _owner;
    private int _leaseSeconds;
    private int _windowSeconds;
    private bool _finished;
    private IdempotentResult? _result;

    public IdempotencyActor()
    {
        Receive<IdempotencyCommands.Begin>(HandleBegin);
        Receive<IdempotencyCommands.Finish>(HandleFinish);
        Receive<LeaseExpired>(_ => Abandon());
        Receive<WindowEnded>(_ => Context.Parent.Tell(new Passivate(PoisonPill.Instance)));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    private void HandleBegin(IdempotencyCommands.Begin begin)
    {
        if (_fingerprint is null)
        {
            _fingerprint = begin.Fingerprint;
            _windowSeconds = begin.WindowSeconds;
            Own(begin.RequestId, begin.LeaseSeconds);
            Sender.Tell(new IdempotencyCommands.Proceed(begin.RequestId));
            return;
        }

        if (!string.Equals(_fingerprint, begin.Fingerprint, StringComparison.Ordinal))
        {
            Sender.Tell(new IdempotencyCommands.Refused(begin.RequestId, IdempotencyRefusal.KeyReused,
                "This Idempotency-Key was already used with a different request body."));
            return;
        }

        if (!_finished)
        {
            if (string.Equals(_owner, begin.RequestId, StringComparison.Ordinal))
            {
                Sender.Tell(new IdempotencyCommands.Proceed(begin.RequestId));
            }
            else
            {
                _waiting.Enqueue((Sender, begin.RequestId));
            }

            return;
        }

        Sender.Tell(Answer(begin.RequestId));
    }

    private void HandleFinish(IdempotencyCommands.Finish finish)
    {
        if (_finished || !string.Equals(_owner, finish.RequestId, StringComparison.Ordinal))
        {
            return;
        }

        if (!finish.Succeeded)
        {
            Abandon();
            return;
        }

        Timers.Cancel(LeaseTimer);
        Timers.StartSingleTimer(WindowTimer, WindowEnded.Instance, TimeSpan.FromSeconds(_windowSeconds));
        _finished = true;
        _result = finish.Result;
        while (_waiting.TryDequeue(out var waiter))
        {
            waiter.Sender.Tell(Answer(waiter.RequestId));
        }
    }

    /// <summary>The owner failed or vanished: the first waiting repeat runs instead; with none, the key is free again.</summary>
    private void Abandon()
    {
        if (_finished)
        {
            return;
        }

        if (_waiting.TryDequeue(out var next))
        {
            Own(next.RequestId, _leaseSeconds);
            next.Sender.Tell(new IdempotencyCommands.Proceed(next.RequestId));
            return;
        }

        Timers.Cancel(LeaseTimer);
        _fingerprint = null;
        _owner = null;
    }

    private void Own(string requestId, int leaseSeconds)
    {
        _owner = requestId;
        _leaseSeconds = leaseSeconds;
        Timers.StartSingleTimer(LeaseTimer, LeaseExpired.Instance, TimeSpan.FromSeconds(leaseSeconds));
        Timers.StartSingleTimer(WindowTimer, WindowEnded.Instance, TimeSpan.FromSeconds(leaseSeconds + _windowSeconds));
    }

    private object Answer(string requestId) => _result is null
        ? new IdempotencyCommands.Refused(requestId, IdempotencyRefusal.ResultNotKept,
            "The first request with this Idempotency-Key succeeded, but its response was too large to keep for repeats.")
        : new IdempotencyCommands.Replay(requestId, _result);

    private sealed class LeaseExpired
    {
        public static readonly LeaseExpired Instance = new();
    }

    private sealed class WindowEnded
    {
        public static readonly WindowEnded Instance = new();
    }
}

public sealed class IdempotencyMessageExtractor() : HashCodeMessageExtractor(ShardCount)
{
    public const int ShardCount = 50;

    public override string? EntityId(object message) => message is IWithIdempotencyScope withScope ? withScope.Scope : null;
}

public static class IdempotencyActorHostingExtensions
{
    public const string RegionName = "idempotency";

    public static AkkaConfigurationBuilder AddIdempotencyActor(this AkkaConfigurationBuilder builder, ShardOptions shardOptions) =>
        builder.WithShardRegion<IdempotencyActor>(
            RegionName,
            _ => Props.Create(() => new IdempotencyActor()),
            new IdempotencyMessageExtractor(),
            shardOptions);
}
