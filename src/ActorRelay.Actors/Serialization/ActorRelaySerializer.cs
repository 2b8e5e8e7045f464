using System.Collections.Frozen;
using System.Runtime.Serialization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using ActorRelay.Actors.Access;
using ActorRelay.Actors.Channels;
using ActorRelay.Actors.Idempotency;
using ActorRelay.Actors.Ledger;
using ActorRelay.Actors.RateLimiting;
using ActorRelay.Actors.Routing;
using ActorRelay.Core;
using ActorRelay.Core.Access;
using ActorRelay.Core.Ledger;
using ActorRelay.Core.Routing;
using Akka.Actor;
using Akka.Serialization;

namespace ActorRelay.Actors.Serialization;

/// <summary>
/// The one serializer for <see cref="IActorRelayMessage"/>: source-generated JSON with short, versioned
/// manifests that never name a .NET type, so that renaming a class cannot break journal recovery. The ledger's cost
/// batches, most of the journal, are written in a compact row form of their own (<see cref="CostsRecordedCodec"/>), and
/// its snapshots with their request-id window as raw bytes (<see cref="LedgerSnapshotCodec"/>), unless
/// <paramref name="compactLedgerForms"/> is off (<see cref="Hosting.JournalOptions.CompactCostBatches"/>): then as
/// <c>CostsRecorded.v1</c> and <c>LedgerSnapshot.v1</c>, which nodes from before the compact forms can read. Every form
/// is always read.
/// A manifest, once shipped, is never reused for another shape: a new shape gets a new version suffix.
/// </summary>
public sealed class ActorRelaySerializer(ExtendedActorSystem system, bool compactLedgerForms = true) : SerializerWithStringManifest(system)
{
    public const int SerializerId = 4141;
    public const string SerializerName = "actorrelay";

    private static readonly (Type Type, string Manifest, JsonTypeInfo Info)[] Contracts =
    [
        (typeof(LedgerEvents.CostRecorded), "CostRecorded.v1", ActorRelayJsonContext.Default.CostRecorded),
        (typeof(LedgerEvents.BudgetSet), "BudgetSet.v1", ActorRelayJsonContext.Default.BudgetSet),
        (typeof(LedgerSnapshot), "LedgerSnapshot.v1", ActorRelayJsonContext.Default.LedgerSnapshot),
        (typeof(LedgerEvents.CostsRecorded), "CostsRecorded.v1", ActorRelayJsonContext.Default.CostsRecorded),
        (typeof(LedgerCommands.LeaseBudget), "LeaseBudget.v1", ActorRelayJsonContext.Default.LeaseBudget),
        (typeof(LedgerCommands.BudgetLeased), "BudgetLeased.v1", ActorRelayJsonContext.Default.BudgetLeased),
        (typeof(LedgerCommands.RenewBudgetLease), "RenewBudgetLease.v1", ActorRelayJsonContext.Default.RenewBudgetLease),
        (typeof(LedgerCommands.BudgetLeaseRenewed), "BudgetLeaseRenewed.v1", ActorRelayJsonContext.Default.BudgetLeaseRenewed),
        (typeof(LedgerCommands.ReturnBudget), "ReturnBudget.v1", ActorRelayJsonContext.Default.ReturnBudget),
        (typeof(LedgerCommands.BudgetChanged), "BudgetChanged.v1", ActorRelayJsonContext.Default.BudgetChanged),
        (typeof(LedgerCommands.SetBudget), "SetBudget.v1", ActorRelayJsonContext.Default.SetBudget),
        (typeof(LedgerQueries.GetBudgets), "GetBudgets.v1", ActorRelayJsonContext.Default.GetBudgets),
        (typeof(LedgerQueries.BudgetsReport), "BudgetsReport.v1", ActorRelayJsonContext.Default.BudgetsReport),
        (typeof(AccessEvents.TenantCreated), "TenantCreated.v1", ActorRelayJsonContext.Default.TenantCreated),
        (typeof(AccessEvents.ProjectCreated), "ProjectCreated.v1", ActorRelayJsonContext.Default.ProjectCreated),
        (typeof(AccessEvents.KeyIssued), "KeyIssued.v1", ActorRelayJsonContext.Default.KeyIssued),
        (typeof(AccessEvents.KeyExpirySet), "KeyExpirySet.v1", ActorRelayJsonContext.Default.KeyExpirySet),
        (typeof(AccessEvents.KeyModelsSet), "KeyModelsSet.v1", ActorRelayJsonContext.Default.KeyModelsSet),
        (typeof(AccessEvents.KeyRevoked), "KeyRevoked.v1", ActorRelayJsonContext.Default.KeyRevoked),
        (typeof(AccessDirectoryView), "AccessDirectoryView.v1", ActorRelayJsonContext.Default.AccessDirectoryView),
        (typeof(AccessCommands.CreateTenant), "CreateTenant.v1", ActorRelayJsonContext.Default.CreateTenant),
        (typeof(AccessCommands.CreateProject), "CreateProject.v1", ActorRelayJsonContext.Default.CreateProject),
        (typeof(AccessCommands.IssueKey), "IssueKey.v1", ActorRelayJsonContext.Default.IssueKey),
        (typeof(AccessCommands.RotateKey), "RotateKey.v1", ActorRelayJsonContext.Default.RotateKey),
        (typeof(AccessCommands.RevokeKey), "RevokeKey.v1", ActorRelayJsonContext.Default.RevokeKey),
        (typeof(AccessCommands.SetKeyExpiry), "SetKeyExpiry.v1", ActorRelayJsonContext.Default.SetKeyExpiry),
        (typeof(AccessCommands.SetKeyModels), "SetKeyModels.v1", ActorRelayJsonContext.Default.SetKeyModels),
        (typeof(AccessCommands.AccessReply), "AccessReply.v1", ActorRelayJsonContext.Default.AccessReply),
        (typeof(AccessQueries.GetDirectory), "GetDirectory.v1", ActorRelayJsonContext.Default.GetDirectory),
        (typeof(AccessQueries.DirectoryUnchanged), "DirectoryUnchanged.v1", ActorRelayJsonContext.Default.DirectoryUnchanged),
        (typeof(LedgerCommands.RecordCosts), "RecordCosts.v1", ActorRelayJsonContext.Default.RecordCosts),
        (typeof(LedgerCommands.CostsAck), "CostsAck.v1", ActorRelayJsonContext.Default.CostsAck),
        (typeof(LedgerQueries.GetUsage), "GetUsage.v1", ActorRelayJsonContext.Default.GetUsage),
        (typeof(LedgerQueries.UsageReport), "UsageReport.v1", ActorRelayJsonContext.Default.UsageReport),
        (typeof(ChannelCommands.Admit), "Admit.v2", ActorRelayJsonContext.Default.Admit),
        (typeof(ChannelCommands.Admitted), "Admitted.v2", ActorRelayJsonContext.Default.Admitted),
        (typeof(ChannelCommands.Rejected), "Rejected.v2", ActorRelayJsonContext.Default.Rejected),
        (typeof(ChannelCommands.Release), "Release.v2", ActorRelayJsonContext.Default.Release),
        (typeof(ChannelCommands.RenewLease), "RenewLease.v1", ActorRelayJsonContext.Default.RenewLease),
        (typeof(ChannelCommands.LeaseGranted), "LeaseGranted.v1", ActorRelayJsonContext.Default.LeaseGranted),
        (typeof(ChannelCommands.LeaseRevoked), "LeaseRevoked.v1", ActorRelayJsonContext.Default.LeaseRevoked),
        (typeof(ChannelQueries.GetChannelStats), "GetChannelStats.v1", ActorRelayJsonContext.Default.GetChannelStats),
        (typeof(ChannelQueries.ChannelStats), "ChannelStats.v2", ActorRelayJsonContext.Default.ChannelStats),
        (typeof(ChannelQueries.GetChannelHealth), "GetChannelHealth.v1", ActorRelayJsonContext.Default.GetChannelHealth),
        (typeof(ChannelHealth), "ChannelHealth.v1", ActorRelayJsonContext.Default.ChannelHealth),
        (typeof(RateLimitCommands.Acquire), "RateAcquire.v1", ActorRelayJsonContext.Default.Acquire),
        (typeof(RateLimitCommands.Acquired), "RateAcquired.v1", ActorRelayJsonContext.Default.Acquired),
        (typeof(RateLimitCommands.GiveBack), "RateGiveBack.v2", ActorRelayJsonContext.Default.GiveBack),
        (typeof(IdempotencyCommands.Begin), "IdempotencyBegin.v1", ActorRelayJsonContext.Default.Begin),
        (typeof(IdempotencyCommands.Finish), "IdempotencyFinish.v1", ActorRelayJsonContext.Default.Finish),
        (typeof(IdempotencyCommands.Proceed), "IdempotencyProceed.v1", ActorRelayJsonContext.Default.Proceed),
        (typeof(IdempotencyCommands.Replay), "IdempotencyReplay.v1", ActorRelayJsonContext.Default.Replay),
        (typeof(IdempotencyCommands.Refused), "IdempotencyRefused.v1", ActorRelayJsonContext.Default.Refused),
        (typeof(RouteEvents.RouteSet), "RouteSet.v1", ActorRelayJsonContext.Default.RouteSet),
        (typeof(RouteEvents.RouteRemoved), "RouteRemoved.v1", ActorRelayJsonContext.Default.RouteRemoved),
        (typeof(RouteDirectoryView), "RouteDirectoryView.v1", ActorRelayJsonContext.Default.RouteDirectoryView),
        (typeof(RouteCommands.SetRoute), "SetRoute.v1", ActorRelayJsonContext.Default.SetRoute),
        (typeof(RouteCommands.RemoveRoute), "RemoveRoute.v1", ActorRelayJsonContext.Default.RemoveRoute),
        (typeof(RouteCommands.RouteReply), "RouteReply.v1", ActorRelayJsonContext.Default.RouteReply),
        (typeof(RouteQueries.GetRoutes), "GetRoutes.v1", ActorRelayJsonContext.Default.GetRoutes),
        (typeof(RouteQueries.RoutesUnchanged), "RoutesUnchanged.v1", ActorRelayJsonContext.Default.RoutesUnchanged),
    ];

    private static readonly FrozenDictionary<Type, (string Manifest, JsonTypeInfo Info)> ByType =
        Contracts.ToFrozenDictionary(contract => contract.Type, contract => (contract.Manifest, contract.Info));

    private static readonly FrozenDictionary<string, JsonTypeInfo> ByManifest =
        Contracts.ToFrozenDictionary(contract => contract.Manifest, contract => contract.Info, StringComparer.Ordinal);

    public override int Identifier => SerializerId;

    /// <summary>Every type this serializer owns; a test round-trips each one.</summary>
    public static IEnumerable<Type> ContractTypes => ByType.Keys;

    public override string Manifest(object o) => (compactLedgerForms, o) switch
    {
        (true, LedgerEvents.CostsRecorded) => CostsRecordedCodec.Manifest,
        (true, LedgerSnapshot) => LedgerSnapshotCodec.Manifest,
        _ => Lookup(o.GetType()).Manifest,
    };

    public override byte[] ToBinary(object obj) => (compactLedgerForms, obj) switch
    {
        (true, LedgerEvents.CostsRecorded batch) => CostsRecordedCodec.Write(batch),
        (true, LedgerSnapshot snapshot) => LedgerSnapshotCodec.Write(snapshot),
        _ => JsonSerializer.SerializeToUtf8Bytes(obj, Lookup(obj.GetType()).Info),
    };

    public override object FromBinary(byte[] bytes, string manifest)
    {
        switch (manifest)
        {
            case CostsRecordedCodec.Manifest:
                return CostsRecordedCodec.Read(bytes);
            case LedgerSnapshotCodec.Manifest:
                return LedgerSnapshotCodec.Read(bytes);
        }

        if (!ByManifest.TryGetValue(manifest, out var info))
        {
            throw new SerializationException($"Unknown ActorRelay manifest '{manifest}'.");
        }

        return JsonSerializer.Deserialize(bytes, info)
               ?? throw new SerializationException($"Manifest '{manifest}' deserialized to null.");
    }

    private static (string Manifest, JsonTypeInfo Info) Lookup(Type type) =>
        ByType.TryGetValue(type, out var contract)
            ? contract
            : throw new ArgumentException($"{type} implements {nameof(IActorRelayMessage)} but has no serializer contract.", nameof(type));
}
