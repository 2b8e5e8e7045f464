using ActorRelay.Core.Access;
using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Hosting;
using Akka.Persistence;

namespace ActorRelay.Actors.Access;

/// <summary>
/// The cluster's one access directory (tenants, projects, virtual keys), event-sourced. It is a sharded entity
/// with a single id, so it always lives on exactly one node and moves (recovering from the journal) when that
/// node leaves. Nodes never ask it on the hot path: they poll it for newer versions and serve keys from memory.
/// </summary>
public sealed class AccessDirectoryActor : ReceivePersistentActor
{
    public const string EntityId = "directory";
    private const int SnapshotEvery = 500;

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private AccessState _state = new();

    public AccessDirectoryActor()
    {
        PersistenceId = "access-directory";

        Recover<SnapshotOffer>(offer =>
        {
            if (offer.Snapshot is AccessDirectoryView view)
            {
                _state = AccessState.Restore(view);
            }
        });
        Recover<IAccessEvent>(accessEvent => _state.Apply(accessEvent));

        Command<AccessCommands.CreateTenant>(create => Handle(_state.DecideCreateTenant(create.TenantId, create.Name, create.Tags, DateTimeOffset.UtcNow)));
        Command<AccessCommands.CreateProject>(create => Handle(_state.DecideCreateProject(create.TenantId, create.ProjectId, create.Name, create.Tags, DateTimeOffset.UtcNow)));
        Command<AccessCommands.IssueKey>(issue => Handle(_state.DecideIssueKey(new AccessEvents.KeyIssued(
            issue.KeyId, issue.TenantId, issue.ProjectId, issue.Name, issue.Hash, issue.Display, issue.AllowedModels, issue.ExpiresAt, DateTimeOffset.UtcNow))));
        Command<AccessCommands.RotateKey>(rotate => Handle(_state.DecideRotateKey(
            rotate.KeyId, rotate.NewKeyId, rotate.NewHash, rotate.NewDisplay, TimeSpan.FromSeconds(rotate.GraceSeconds), DateTimeOffset.UtcNow)));
        Command<AccessCommands.RevokeKey>(revoke => Handle(_state.DecideRevokeKey(revoke.KeyId, DateTimeOffset.UtcNow)));
        Command<AccessCommands.SetKeyExpiry>(expiry => Handle(_state.DecideSetExpiry(expiry.KeyId, expiry.ExpiresAt, DateTimeOffset.UtcNow)));
        Command<AccessCommands.SetKeyModels>(models => Handle(_state.DecideSetModels(models.KeyId, models.AllowedModels, DateTimeOffset.UtcNow)));
        Command<AccessQueries.GetDirectory>(get =>
            Sender.Tell(get.KnownVersion >= _state.Version ? new AccessQueries.DirectoryUnchanged(_state.Version) : _state.View()));
        Command<SaveSnapshotSuccess>(success => DeleteSnapshots(new SnapshotSelectionCriteria(success.Metadata.SequenceNr - 1)));
        Command<SaveSnapshotFailure>(failure => _log.Warning(failure.Cause, "Access directory snapshot failed"));
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(failure => _log.Warning(failure.Cause, "Deleting old access directory snapshots failed"));
    }

    public override string PersistenceId { get; }

    private void Handle(AccessDecision decision)
    {
        if (decision.Outcome != AccessOutcome.Accepted || decision.Events.Count == 0)
        {
            Sender.Tell(new AccessCommands.AccessReply(decision.Outcome, decision.Error, _state.View()));
            return;
        }

        var sender = Sender;
        var remaining = decision.Events.Count;
        PersistAll(decision.Events, accessEvent =>
        {
            _state.Apply(accessEvent);
            if (--remaining > 0)
            {
                return;
            }

            sender.Tell(new AccessCommands.AccessReply(AccessOutcome.Accepted, null, _state.View()));
            if (LastSequenceNr % SnapshotEvery < decision.Events.Count)
            {
                SaveSnapshot(_state.View());
            }
        });
    }
}

public sealed class AccessDirectoryMessageExtractor() : HashCodeMessageExtractor(1)
{
    public override string? EntityId(object message) => message is IAccessDirectoryMessage ? AccessDirectoryActor.EntityId : null;
}

public static class AccessDirectoryActorHostingExtensions
{
    public const string RegionName = "access-directory";

    public static AkkaConfigurationBuilder AddAccessDirectoryActor(this AkkaConfigurationBuilder builder, ShardOptions shardOptions) =>
        builder.WithShardRegion<AccessDirectoryActor>(
            RegionName,
            _ => Props.Create(() => new AccessDirectoryActor()),
            new AccessDirectoryMessageExtractor(),
            shardOptions);
}
