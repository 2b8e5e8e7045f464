using ActorRelay.Core.Access;

namespace ActorRelay.Gateway.Access;

/// <summary>
/// This node's copy of the access directory. The hot path reads <see cref="Current"/> (one volatile read, then
/// frozen-dictionary lookups); <see cref="AccessDirectorySync"/> replaces it when the directory changes.
/// </summary>
internal sealed class AccessCache
{
    private volatile AccessSnapshot _current = AccessSnapshot.Empty;

    public AccessSnapshot Current => _current;

    /// <summary>Takes <paramref name="view"/> if it is newer than what this node has.</summary>
    public void Offer(AccessDirectoryView view)
    {
        while (true)
        {
            var current = _current;
            if (view.Version <= current.Version)
            {
                return;
            }

            if (Interlocked.CompareExchange(ref _current, new AccessSnapshot(view), current) == current)
            {
                return;
            }
        }
    }
}
