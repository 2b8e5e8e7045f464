using ActorRelay.Actors.Access;
using ActorRelay.Core;
using ActorRelay.Core.Access;
using Akka.Actor;
using Akka.Hosting;

namespace ActorRelay.Gateway.Access;

/// <summary>The HTTP side's handle on the access directory entity; every reply refreshes this node's cache.</summary>
internal sealed class AccessDirectoryClient(IRequiredActor<AccessDirectoryActor> directory, AccessCache cache)
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(10);

    public async Task<AccessCommands.AccessReply> SendAsync(IAccessDirectoryMessage command, CancellationToken cancellationToken)
    {
        var region = await directory.GetAsync(cancellationToken);
        var reply = await region.Ask<AccessCommands.AccessReply>(command, AskTimeout, cancellationToken);
        cache.Offer(reply.View);
        return reply;
    }

    /// <summary>True once this node has read the directory at least once: until then it may not know every entry.</summary>
    public bool Synced { get; private set; }

    /// <summary>Fetches the directory if it changed since this node's version.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var region = await directory.GetAsync(cancellationToken);
        var reply = await region.Ask<IActorRelayMessage>(new AccessQueries.GetDirectory(cache.Current.Version), AskTimeout, cancellationToken);
        if (reply is AccessDirectoryView view)
        {
            cache.Offer(view);
        }

        Synced = true;
    }
}
