using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Event;
using Akka.Hosting;

namespace ActorRelay.Actors.Channels;

/// <summary>
/// One vendor channel, sharded by channel id. It decides admission (concurrency for now) and learns each
/// call's outcome; it never performs the upstream call itself. Its state is soft: after a restart it starts
/// empty, and leases of callers that vanished expire on their own.
/// </summary>
public sealed class ChannelActor : ReceiveActor, IWithTimers
{
    private const double LatencySmoothing = 0.2;
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(5);

    private readonly string _channelId;
    private readonly IChannelDirectory _directory;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, DateTime> _leases = new(StringComparer.Ordinal);
    private long _admitted;
    private long _rejected;
    private long _succeeded;
    private long _failed;
    private double _latencyEwmaMs;

    public ChannelActor(string channelId, IChannelDirectory directory)
    {
        _channelId = channelId;
        _directory = directory;

        Receive<ChannelCommands.Admit>(HandleAdmit);
        Receive<ChannelCommands.Release>(HandleRelease);
        Receive<ChannelQueries.GetChannelStats>(_ => Sender.Tell(Stats()));
        Receive<SweepExpiredLeases>(_ => SweepLeases());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart() =>
        Timers.StartPeriodicTimer(nameof(SweepExpiredLeases), SweepExpiredLeases.Instance, SweepInterval);

    private void HandleAdmit(ChannelCommands.Admit admit)
    {
        var limit = _directory.MaxConcurrency(_channelId);
        if (limit is null)
        {
            _rejected++;
            Sender.Tell(new ChannelCommands.Rejected(admit.RequestId, RejectionReason.UnknownChannel, $"Channel '{_channelId}' is not configured."));
            return;
        }

        if (!_leases.ContainsKey(admit.RequestId) && _leases.Count >= limit.Value)
        {
            SweepLeases();
        }

        if (!_leases.ContainsKey(admit.RequestId) && _leases.Count >= limit.Value)
        {
            _rejected++;
            Sender.Tell(new ChannelCommands.Rejected(
                admit.RequestId,
                RejectionReason.ConcurrencyLimit,
                $"Channel '{_channelId}' is at its concurrency limit of {limit.Value}."));
            return;
        }

        if (_leases.TryAdd(admit.RequestId, DateTime.UtcNow.AddSeconds(admit.LeaseSeconds)))
        {
            _admitted++;
        }

        Sender.Tell(new ChannelCommands.Admitted(admit.RequestId));
    }

    private void HandleRelease(ChannelCommands.Release release)
    {
        if (!_leases.Remove(release.RequestId))
        {
            return;
        }

        var outcome = release.Outcome;
        if (outcome.Succeeded)
        {
            _succeeded++;
        }
        else
        {
            _failed++;
        }

        _latencyEwmaMs = _latencyEwmaMs == 0
            ? outcome.LatencyMs
            : (LatencySmoothing * outcome.LatencyMs) + ((1 - LatencySmoothing) * _latencyEwmaMs);
    }

    private void SweepLeases()
    {
        var now = DateTime.UtcNow;
        var expired = _leases.Where(lease => lease.Value <= now).Select(lease => lease.Key).ToList();
        foreach (var requestId in expired)
        {
            _leases.Remove(requestId);
        }

        if (expired.Count > 0)
        {
            _log.Warning("Channel {0}: {1} admission lease(s) expired without an outcome", _channelId, expired.Count);
        }
    }

    private ChannelQueries.ChannelStats Stats() => new(
        _channelId,
        _leases.Count,
        _directory.MaxConcurrency(_channelId) ?? 0,
        _admitted,
        _rejected,
        _succeeded,
        _failed,
        _latencyEwmaMs);

    private sealed class SweepExpiredLeases
    {
        public static readonly SweepExpiredLeases Instance = new();
    }
}

public static class ChannelActorHostingExtensions
{
    public const string RegionName = "channel";

    public static AkkaConfigurationBuilder AddChannelActor(this AkkaConfigurationBuilder builder, ShardOptions shardOptions) =>
        builder.WithShardRegion<ChannelActor>(
            RegionName,
            (_, _, resolver) => channelId => resolver.Props<ChannelActor>(channelId),
            new ChannelMessageExtractor(),
            shardOptions);
}
