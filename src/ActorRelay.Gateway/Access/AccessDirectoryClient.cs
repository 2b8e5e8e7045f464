using ActorRelay.Actors.Access;
using ActorRelay.Core;
using ActorRelay.Core.Access;
using ActorRelay.Gateway.Actors;
using Akka.Hosting;

namespace ActorRelay.Gateway.Access;

/// <summary>The HTTP side's handle on the access directory entity; every reply refreshes this node's cache.</summary>
internal sealed class AccessDirectoryClient(IRequiredActor<AccessDirectoryActor> directory, AccessCache cache)
    : DirectoryClient<AccessDirectoryActor, AccessDirectoryView>(directory)
{
    public async Task<AccessCommands.AccessReply> SendAsync(IAccessDirectoryMessage command, CancellationToken cancellationToken)
    {
        var reply = await AskAsync<AccessCommands.AccessReply>(command, cancellationToken);
        cache.Offer(reply.View);
        return reply;
    }

    protected override long Version => cache.Current.Version;

    protected override IActorRelayMessage Query(long version) => new AccessQueries.GetDirectory(version);

    protected override void Offer(AccessDirectoryView view) => cache.Offer(view);
}
