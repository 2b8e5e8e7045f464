using ActorRelay.Core.Routing;
using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Hosting;
using Akka.Persistence;

namespace ActorRelay.Actors.Routing;

/// <summary>
/// The cluster's one route directory: routes set at run time through the admin API, event-sourced and versioned.
/// Like the access directory it is a sharded entity with a single id, and nodes never ask it on the hot path: they
/// poll it for a newer version and plan calls from their own copy.
/// </summary>
public sealed class RouteDirectoryActor : ReceivePersistentActor
{
    public const string EntityId = "routes";
    private const int SnapshotEvery = 200;

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private RouteDirectoryState _state = new();

    public RouteDirectoryActor()
    {
        PersistenceId = "route-directory";

        Recover<SnapshotOffer>(offer =>
        {
            if (offer.Snapshot is RouteDirectoryView view)
            {
                _state = RouteDirectoryState.Restore(view);
            }
        });
        Recover<IRouteEvent>(routeEvent => _state.Apply(routeEvent));

        Command<RouteCommands.SetRoute>(set => Handle(_state.DecideSet(set.Route, set.ExpectedVersion, DateTimeOffset.UtcNow)));
        Command<RouteCommands.RemoveRoute>(remove => Handle(_state.DecideRemove(remove.Alias, remove.ExpectedVersion, DateTimeOffset.UtcNow)));
        Command<RouteQueries.GetRoutes>(get =>
            Sender.Tell(get.KnownVersion >= _state.Version ? new RouteQueries.RoutesUnchanged(_state.Version) : _state.View()));
        Command<SaveSnapshotSuccess>(success => DeleteSnapshots(new SnapshotSelectionCriteria(success.Metadata.SequenceNr - 1)));
        Command<SaveSnapshotFailure>(failure => _log.Warning(failure.Cause, "Route directory snapshot failed"));
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(failure => _log.Warning(failure.Cause, "Deleting old route directory snapshots failed"));
    }

    public override string PersistenceId { get; }

    private void Handle(RouteDecision decision)
    {
        if (decision.Event is null)
        {
            Sender.Tell(new RouteCommands.RouteReply(decision.Outcome, decision.Error, _state.View()));
            return;
        }

        var sender = Sender;
        Persist(decision.Event, routeEvent =>
        {
            _state.Apply(routeEvent);
            sender.Tell(new RouteCommands.RouteReply(RouteOutcome.Accepted, null, _state.View()));
            if (LastSequenceNr % SnapshotEvery == 0)
            {
                SaveSnapshot(_state.View());
            }
        });
    }
}

public sealed class RouteDirectoryMessageExtractor() : HashCodeMessageExtractor(1)
{
    public override string? EntityId(object message) => message is IRouteDirectoryMessage ? RouteDirectoryActor.EntityId : null;
}

public static class RouteDirectoryActorHostingExtensions
{
    public const string RegionName = "route-directory";

    public static AkkaConfigurationBuilder AddRouteDirectoryActor(this AkkaConfigurationBuilder builder, ShardOptions shardOptions) =>
        builder.WithShardRegion<RouteDirectoryActor>(
            RegionName,
            _ => Props.Create(() => new RouteDirectoryActor()),
            new RouteDirectoryMessageExtractor(),
            shardOptions);
}
