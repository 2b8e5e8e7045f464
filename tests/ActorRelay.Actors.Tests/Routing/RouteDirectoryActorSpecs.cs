using ActorRelay.Actors.Routing;
using ActorRelay.Actors.Serialization;
using ActorRelay.Core;
using ActorRelay.Core.Routing;
using Akka.Actor;
using Akka.Hosting;
using Akka.Hosting.TestKit;
using Akka.Persistence.Hosting;

namespace ActorRelay.Actors.Tests.Routing;

public sealed class RouteDirectoryActorSpecs(ITestOutputHelper output) : TestKit(output: output)
{
    private static readonly RouteSpec Route = new("m", RoutingStrategy.WeightedRandom, [new Deployment("a", "ch-a", "vm", 1, 0)], []);

    protected override void ConfigureAkka(AkkaConfigurationBuilder builder, IServiceProvider provider) =>
        builder
            .WithCustomSerializer(ActorRelaySerializer.SerializerName, [typeof(IActorRelayMessage)], system => new ActorRelaySerializer(system))
            .WithInMemoryJournal()
            .WithInMemorySnapshotStore();

    [Fact]
    public async Task Changes_AreVersioned_Recovered_AndGuardedByExpectedVersion()
    {
        var directory = Sys.ActorOf(Props.Create(() => new RouteDirectoryActor()));

        var set = await directory.Ask<RouteCommands.RouteReply>(new RouteCommands.SetRoute(Route, 0));
        var stale = await directory.Ask<RouteCommands.RouteReply>(new RouteCommands.SetRoute(Route with { Strategy = RoutingStrategy.LeastInFlight }, 0));
        var invalid = await directory.Ask<RouteCommands.RouteReply>(new RouteCommands.SetRoute(Route with { Deployments = [] }, null));
        var removed = await directory.Ask<RouteCommands.RouteReply>(new RouteCommands.RemoveRoute("m", 1));
        var missing = await directory.Ask<RouteCommands.RouteReply>(new RouteCommands.RemoveRoute("m", null));

        Assert.Equal((RouteOutcome.Accepted, 1L), (set.Outcome, set.View.Version));
        Assert.Equal(RouteOutcome.Conflict, stale.Outcome);
        Assert.Equal(RouteOutcome.Invalid, invalid.Outcome);
        Assert.Equal((RouteOutcome.Accepted, 2L), (removed.Outcome, removed.View.Version));
        Assert.Empty(removed.View.Routes);
        Assert.Equal(RouteOutcome.NotFound, missing.Outcome);

        await directory.GracefulStop(TimeSpan.FromSeconds(3));
        var recovered = Sys.ActorOf(Props.Create(() => new RouteDirectoryActor()));
        var view = Assert.IsType<RouteDirectoryView>(await recovered.Ask<object>(new RouteQueries.GetRoutes(0)));
        Assert.Equal(2, view.Version);
        Assert.Equal(["set", "removed"], view.History.Select(change => change.Action));
        Assert.IsType<RouteQueries.RoutesUnchanged>(await recovered.Ask<object>(new RouteQueries.GetRoutes(2)));
    }
}
