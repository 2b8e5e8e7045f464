using ActorRelay.Actors.Routing;
using ActorRelay.Core;
using ActorRelay.Core.Routing;
using ActorRelay.Gateway.Actors;
using Akka.Hosting;

namespace ActorRelay.Gateway.Routing;

/// <summary>The HTTP side's handle on the route directory entity; every reply refreshes this node's routing table.</summary>
internal sealed class RouteDirectoryClient(IRequiredActor<RouteDirectoryActor> directory, ModelRouter router)
    : DirectoryClient<RouteDirectoryActor, RouteDirectoryView>(directory)
{
    public async Task<RouteCommands.RouteReply> SendAsync(IRouteDirectoryMessage command, CancellationToken cancellationToken)
    {
        var reply = await AskAsync<RouteCommands.RouteReply>(command, cancellationToken);
        router.Offer(reply.View);
        return reply;
    }

    protected override long Version => router.DirectoryVersion;

    protected override IActorRelayMessage Query(long version) => new RouteQueries.GetRoutes(version);

    protected override void Offer(RouteDirectoryView view) => router.Offer(view);
}
