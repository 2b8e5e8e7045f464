using ActorRelay.Core.Directories;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;

namespace ActorRelay.Actors.Directories;

/// <summary>
/// A cluster-wide directory: one sharded entity with a single id, event-sourced, that replies to a change only after
/// it is persisted and serves its whole view to nodes that poll for a newer version. Subclasses register their
/// commands and decide; this base recovers, persists, replies and snapshots.
/// </summary>
public abstract class DirectoryActor<TState, TView, TEvent> : ReceivePersistentActor
    where TState : class, IDirectoryState<TState, TView, TEvent>, new()
    where TView : class
    where TEvent : class
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly int _snapshotEvery;

    protected DirectoryActor(string persistenceId, int snapshotEvery)
    {
        PersistenceId = persistenceId;
        _snapshotEvery = snapshotEvery;

        Recover<SnapshotOffer>(offer =>
        {
            if (offer.Snapshot is TView view)
            {
                State = TState.Restore(view);
            }
        });
        Recover<TEvent>(directoryEvent => State.Apply(directoryEvent));

        Command<SaveSnapshotSuccess>(success => DeleteSnapshots(new SnapshotSelectionCriteria(success.Metadata.SequenceNr - 1)));
        Command<SaveSnapshotFailure>(failure => _log.Warning(failure.Cause, "{0}: snapshot failed", PersistenceId));
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(failure => _log.Warning(failure.Cause, "{0}: deleting old snapshots failed", PersistenceId));
    }

    public override string PersistenceId { get; }

    protected TState State { get; private set; } = new();

    /// <summary>Replies the view when it is newer than <paramref name="knownVersion"/>, else <paramref name="unchanged"/>.</summary>
    protected void ReplyViewIfNewer(long knownVersion, Func<long, object> unchanged) =>
        Sender.Tell(knownVersion >= State.Version ? unchanged(State.Version) : State.View());

    /// <summary>Persists <paramref name="events"/> (none: replies at once) and replies <paramref name="reply"/> of the resulting view.</summary>
    protected void PersistThenReply(IReadOnlyList<TEvent> events, Func<TView, object> reply)
    {
        var sender = Sender;
        if (events.Count == 0)
        {
            sender.Tell(reply(State.View()));
            return;
        }

        var remaining = events.Count;
        PersistAll(events, directoryEvent =>
        {
            State.Apply(directoryEvent);
            if (--remaining > 0)
            {
                return;
            }

            sender.Tell(reply(State.View()));
            if (LastSequenceNr % _snapshotEvery < events.Count)
            {
                SaveSnapshot(State.View());
            }
        });
    }
}
