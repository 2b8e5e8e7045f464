using ActorRelay.Actors.Routing;
using ActorRelay.Core;
using ActorRelay.Core.Routing;
using Akka.Actor;
using Akka.Hosting;

namespace ActorRelay.Gateway.Routing;

/// <summary>The HTTP side's handle on the route directory entity; every reply refreshes this node's routing table.</summary>
internal sealed class RouteDirectoryClient(IRequiredActor<RouteDirectoryActor> directory, ModelRouter router)
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(10);

    public async Task<RouteCommands.RouteReply> SendAsync(IRouteDirectoryMessage command, CancellationToken cancellationToken)
    {
        var region = await directory.GetAsync(cancellationToken);
        var reply = await region.Ask<RouteCommands.RouteReply>(command, AskTimeout, cancellationToken);
        router.Offer(reply.View);
        return reply;
    }

    /// <summary>True once this node has read the directory at least once: until then it may not know every entry.</summary>
    public bool Synced { get; private set; }

    /// <summary>Fetches the directory if it changed since this node's version.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var region = await directory.GetAsync(cancellationToken);
        var reply = await region.Ask<IActorRelayMessage>(new RouteQueries.GetRoutes(router.DirectoryVersion), AskTimeout, cancellationToken);
        if (reply is RouteDirectoryView view)
        {
            router.Offer(view);
        }

        Synced = true;
    }
}
