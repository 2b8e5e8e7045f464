using Akka;
using Akka.Actor;

namespace ActorRelay.Actors.Channels;

/// <summary>
/// One per node: holds this node's <see cref="ChannelLeases"/> with the channel entities. For every channel in use it
/// reports every <see cref="ReportInterval"/> (at once after a failure or a revocation), one report in flight at a
/// time, and applies the grants. A channel unused for <see cref="IdleAfterMs"/> gives its slice back and is no longer
/// reported until a call needs it again; on <see cref="GiveBack"/> (the node is leaving, its calls drained) every
/// slice is given back at once.
/// </summary>
public sealed class ChannelLesseeActor : ReceiveActor, IWithTimers
{
    public static readonly TimeSpan ReportInterval = TimeSpan.FromMilliseconds(200);
    private const long IdleAfterMs = 2_000;
    private const long ReplyTimeoutMs = 2_000;

    private readonly IActorRef _channels;
    private readonly ChannelLeases _leases;
    private readonly IChannelHealthListener _health;
    private readonly Dictionary<string, Renewal> _renewals = new(StringComparer.Ordinal);
    private long _seq;
    private IActorRef? _givingBackTo;

    public ChannelLesseeActor(IActorRef channels, ChannelLeases leases, IChannelHealthListener health)
    {
        _channels = channels;
        _leases = leases;
        _health = health;

        Receive<Wake>(wake =>
        {
            wake.Lease.Activate();
            if (!_renewals.TryGetValue(wake.Lease.ChannelId, out var renewal))
            {
                renewal = new Renewal(wake.Lease);
                _renewals[wake.Lease.ChannelId] = renewal;
            }

            ReportSoon(renewal);
        });
        Receive<Flush>(flush =>
        {
            if (_renewals.TryGetValue(flush.ChannelId, out var renewal))
            {
                ReportSoon(renewal);
            }
        });
        Receive<Tick>(_ =>
        {
            var now = Environment.TickCount64;
            foreach (var renewal in _renewals.Values)
            {
                if (!renewal.Awaiting || now - renewal.SentAtMs >= ReplyTimeoutMs)
                {
                    Report(renewal);
                }
            }
        });
        Receive<GiveBack>(_ =>
        {
            _givingBackTo = Sender;
            foreach (var renewal in _renewals.Values)
            {
                renewal.GiveBack = true;
                ReportSoon(renewal);
            }

            ReplyWhenGivenBack();
        });
        Receive<ChannelCommands.LeaseGranted>(HandleGranted);
        Receive<ChannelCommands.LeaseRevoked>(revoked =>
        {
            _health.Update(revoked.Health);
            if (_renewals.TryGetValue(revoked.ChannelId, out var renewal))
            {
                renewal.Lease.Revoke();
                ReportSoon(renewal);
            }
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart()
    {
        _leases.Attach(Self);
        Timers.StartPeriodicTimer(nameof(Tick), Tick.Instance, ReportInterval);
    }

    protected override void PostStop() => _leases.Detach(Self);

    private void HandleGranted(ChannelCommands.LeaseGranted grant)
    {
        _health.Update(grant.Health);
        if (!_renewals.TryGetValue(grant.ChannelId, out var renewal) || !renewal.Awaiting || renewal.Seq != grant.Seq)
        {
            // The answer to a report that timed out and was sent again: the newer report's answer decides.
            return;
        }

        renewal.Awaiting = false;
        renewal.Lease.Apply(grant, renewal.SentAtMs);
        if (renewal.Idle && renewal.Lease.TryDeactivate())
        {
            _renewals.Remove(grant.ChannelId);
            ReplyWhenGivenBack();
            return;
        }

        if (renewal.FlushPending)
        {
            Report(renewal);
        }
    }

    private void ReportSoon(Renewal renewal)
    {
        if (renewal.Awaiting)
        {
            renewal.FlushPending = true;
            return;
        }

        Report(renewal);
    }

    private void ReplyWhenGivenBack()
    {
        if (_givingBackTo is not null && _renewals.Count == 0)
        {
            _givingBackTo.Tell(Done.Instance);
            _givingBackTo = null;
        }
    }

    private void Report(Renewal renewal)
    {
        var report = renewal.Lease.TakeReport(++_seq, renewal.GiveBack ? 0 : IdleAfterMs);
        renewal.Seq = report.Seq;
        renewal.SentAtMs = Environment.TickCount64;
        renewal.Awaiting = true;
        renewal.FlushPending = false;
        renewal.Idle = report.Idle;
        _channels.Tell(report, Self);
    }

    /// <summary>A call found no lease on <paramref name="Lease"/>'s channel: start holding one.</summary>
    internal sealed record Wake(ChannelLease Lease);

    /// <summary>Report on the channel now (a call failed), not at the next tick.</summary>
    internal sealed record Flush(string ChannelId);

    /// <summary>Give every slice back now (the node leaves); replies <see cref="Done"/> once the entities took them.</summary>
    internal sealed class GiveBack
    {
        public static readonly GiveBack Instance = new();
    }

    private sealed class Renewal(ChannelLease lease)
    {
        public ChannelLease Lease { get; } = lease;

        public long Seq { get; set; }

        public long SentAtMs { get; set; }

        public bool Awaiting { get; set; }

        public bool FlushPending { get; set; }

        public bool Idle { get; set; }

        /// <summary>The node is leaving: report the slice idle as soon as nothing is in flight on it.</summary>
        public bool GiveBack { get; set; }
    }

    private sealed class Tick
    {
        public static readonly Tick Instance = new();
    }
}
