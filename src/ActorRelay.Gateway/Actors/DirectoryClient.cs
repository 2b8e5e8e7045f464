using ActorRelay.Core;
using Akka.Actor;
using Akka.Hosting;

namespace ActorRelay.Gateway.Actors;

/// <summary>
/// The HTTP side's handle on a replicated directory entity (access, routes): commands and refreshes are asked of the
/// entity, and every view it answers with is offered to this node's copy, which the hot path reads.
/// </summary>
internal abstract class DirectoryClient<TActor, TView>(IRequiredActor<TActor> directory)
    where TView : class
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(10);

    /// <summary>True once this node has read the directory at least once: until then it may not know every entry.</summary>
    public bool Synced { get; private set; }

    /// <summary>Fetches the directory if it changed since this node's version.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var reply = await AskAsync<IActorRelayMessage>(Query(Version), cancellationToken);
        if (reply is TView view)
        {
            Offer(view);
        }

        Synced = true;
    }

    /// <summary>The version of this node's copy.</summary>
    protected abstract long Version { get; }

    /// <summary>The query that answers with the directory's view when it is newer than <paramref name="version"/>.</summary>
    protected abstract IActorRelayMessage Query(long version);

    /// <summary>Takes <paramref name="view"/> into this node's copy if it is newer.</summary>
    protected abstract void Offer(TView view);

    protected async Task<TReply> AskAsync<TReply>(IActorRelayMessage message, CancellationToken cancellationToken)
    {
        var region = await directory.GetAsync(cancellationToken);
        return await region.Ask<TReply>(message, AskTimeout, cancellationToken);
    }
}
