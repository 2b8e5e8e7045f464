namespace ActorRelay.Core.Directories;

/// <summary>
/// The state of a replicated directory (access, routes): versioned, event-sourced, and serialisable as a whole view
/// that every node polls for and that doubles as the snapshot.
/// </summary>
public interface IDirectoryState<out TSelf, TView, in TEvent>
    where TSelf : IDirectoryState<TSelf, TView, TEvent>
{
    long Version { get; }

    TView View();

    void Apply(TEvent directoryEvent);

    static abstract TSelf Restore(TView view);
}
