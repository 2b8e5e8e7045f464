using ActorRelay.Actors.Directories;
using ActorRelay.Core.Routing;
using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Hosting;

namespace ActorRelay.Actors.Routing;

/// <summary>
/// The cluster's one route directory: routes set at run time through the admin API, event-sourced and versioned.
/// Like the access directory it is a sharded entity with a single id, and nodes never ask it on the hot path: they
/// poll it for a newer version and plan calls from their own copy.
/// </summary>
public sealed class RouteDirectoryActor : DirectoryActor<RouteDirectoryState, RouteDirectoryView, IRouteEvent>
{
    public const string EntityId = "routes";

    public RouteDirectoryActor()
        : base("route-directory", snapshotEvery: 200)
    {
        Command<RouteCommands.SetRoute>(set => Handle(State.DecideSet(set.Route, set.ExpectedVersion, DateTimeOffset.UtcNow)));
        Command<RouteCommands.RemoveRoute>(remove => Handle(State.DecideRemove(remove.Alias, remove.ExpectedVersion, DateTimeOffset.UtcNow)));
        Command<RouteQueries.GetRoutes>(get => ReplyViewIfNewer(get.KnownVersion, version => new RouteQueries.RoutesUnchanged(version)));
    }

    private void Handle(RouteDecision decision)
    {
        if (decision.Event is null)
        {
            Sender.Tell(new RouteCommands.RouteReply(decision.Outcome, decision.Error, State.View()));
            return;
        }

        PersistThenReply([decision.Event], view => new RouteCommands.RouteReply(RouteOutcome.Accepted, null, view));
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
