using ActorRelay.Actors.Directories;
using ActorRelay.Core.Access;
using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Hosting;

namespace ActorRelay.Actors.Access;

/// <summary>
/// The cluster's one access directory (tenants, projects, virtual keys), event-sourced. It is a sharded entity
/// with a single id, so it always lives on exactly one node and moves (recovering from the journal) when that
/// node leaves. Nodes never ask it on the hot path: they poll it for newer versions and serve keys from memory.
/// </summary>
public sealed class AccessDirectoryActor : DirectoryActor<AccessState, AccessDirectoryView, IAccessEvent>
{
    public const string EntityId = "directory";

    public AccessDirectoryActor()
        : base("access-directory", snapshotEvery: 500)
    {
        Command<AccessCommands.CreateTenant>(create => Handle(State.DecideCreateTenant(create.TenantId, create.Name, create.Tags, DateTimeOffset.UtcNow)));
        Command<AccessCommands.CreateProject>(create => Handle(State.DecideCreateProject(create.TenantId, create.ProjectId, create.Name, create.Tags, DateTimeOffset.UtcNow)));
        Command<AccessCommands.IssueKey>(issue => Handle(State.DecideIssueKey(new AccessEvents.KeyIssued(
            issue.KeyId, issue.TenantId, issue.ProjectId, issue.Name, issue.Hash, issue.Display, issue.AllowedModels, issue.ExpiresAt, DateTimeOffset.UtcNow))));
        Command<AccessCommands.RotateKey>(rotate => Handle(State.DecideRotateKey(
            rotate.KeyId, rotate.NewKeyId, rotate.NewHash, rotate.NewDisplay, TimeSpan.FromSeconds(rotate.GraceSeconds), DateTimeOffset.UtcNow)));
        Command<AccessCommands.RevokeKey>(revoke => Handle(State.DecideRevokeKey(revoke.KeyId, DateTimeOffset.UtcNow)));
        Command<AccessCommands.SetKeyExpiry>(expiry => Handle(State.DecideSetExpiry(expiry.KeyId, expiry.ExpiresAt, DateTimeOffset.UtcNow)));
        Command<AccessCommands.SetKeyModels>(models => Handle(State.DecideSetModels(models.KeyId, models.AllowedModels, DateTimeOffset.UtcNow)));
        Command<AccessQueries.GetDirectory>(get => ReplyViewIfNewer(get.KnownVersion, version => new AccessQueries.DirectoryUnchanged(version)));
    }

    private void Handle(AccessDecision decision)
    {
        if (decision.Outcome != AccessOutcome.Accepted)
        {
            Sender.Tell(new AccessCommands.AccessReply(decision.Outcome, decision.Error, State.View()));
            return;
        }

        PersistThenReply(decision.Events, view => new AccessCommands.AccessReply(AccessOutcome.Accepted, null, view));
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
