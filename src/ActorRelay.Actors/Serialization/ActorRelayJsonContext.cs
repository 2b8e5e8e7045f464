using System.Text.Json.Serialization;
using ActorRelay.Actors.Access;
using ActorRelay.Actors.Channels;
using ActorRelay.Actors.Idempotency;
using ActorRelay.Actors.Ledger;
using ActorRelay.Actors.RateLimiting;
using ActorRelay.Actors.Routing;
using ActorRelay.Core.Access;
using ActorRelay.Core.Ledger;
using ActorRelay.Core.Routing;

namespace ActorRelay.Actors.Serialization;

/// <summary>Source-generated JSON contracts for every message that crosses the wire or enters the journal.</summary>
[JsonSourceGenerationOptions(UseStringEnumConverter = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(LedgerEvents.CostRecorded))]
[JsonSerializable(typeof(LedgerSnapshot))]
[JsonSerializable(typeof(LedgerEvents.CostsRecorded))]
[JsonSerializable(typeof(LedgerCommands.RecordCosts))]
[JsonSerializable(typeof(LedgerCommands.CostsAck))]
[JsonSerializable(typeof(LedgerQueries.GetUsage))]
[JsonSerializable(typeof(LedgerQueries.UsageReport))]
[JsonSerializable(typeof(ChannelCommands.Admit))]
[JsonSerializable(typeof(ChannelCommands.Admitted))]
[JsonSerializable(typeof(ChannelCommands.Rejected))]
[JsonSerializable(typeof(ChannelCommands.Release))]
[JsonSerializable(typeof(ChannelCommands.RenewLease))]
[JsonSerializable(typeof(ChannelCommands.LeaseGranted))]
[JsonSerializable(typeof(ChannelCommands.LeaseRevoked))]
[JsonSerializable(typeof(ChannelQueries.GetChannelStats))]
[JsonSerializable(typeof(ChannelQueries.ChannelStats))]
[JsonSerializable(typeof(ChannelQueries.GetChannelHealth))]
[JsonSerializable(typeof(ChannelHealth))]
[JsonSerializable(typeof(RateLimitCommands.Acquire))]
[JsonSerializable(typeof(RateLimitCommands.Acquired))]
[JsonSerializable(typeof(RateLimitCommands.GiveBack))]
[JsonSerializable(typeof(IdempotencyCommands.Begin))]
[JsonSerializable(typeof(IdempotencyCommands.Finish))]
[JsonSerializable(typeof(IdempotencyCommands.Proceed))]
[JsonSerializable(typeof(IdempotencyCommands.Replay))]
[JsonSerializable(typeof(IdempotencyCommands.Refused))]
[JsonSerializable(typeof(RouteEvents.RouteSet))]
[JsonSerializable(typeof(RouteEvents.RouteRemoved))]
[JsonSerializable(typeof(RouteDirectoryView))]
[JsonSerializable(typeof(RouteCommands.SetRoute))]
[JsonSerializable(typeof(RouteCommands.RemoveRoute))]
[JsonSerializable(typeof(RouteCommands.RouteReply))]
[JsonSerializable(typeof(RouteQueries.GetRoutes))]
[JsonSerializable(typeof(RouteQueries.RoutesUnchanged))]
[JsonSerializable(typeof(LedgerEvents.BudgetSet))]
[JsonSerializable(typeof(LedgerCommands.LeaseBudget))]
[JsonSerializable(typeof(LedgerCommands.BudgetLeased))]
[JsonSerializable(typeof(LedgerCommands.RenewBudgetLease))]
[JsonSerializable(typeof(LedgerCommands.BudgetLeaseRenewed))]
[JsonSerializable(typeof(LedgerCommands.ReturnBudget))]
[JsonSerializable(typeof(LedgerCommands.BudgetChanged))]
[JsonSerializable(typeof(LedgerCommands.SetBudget))]
[JsonSerializable(typeof(LedgerQueries.GetBudgets))]
[JsonSerializable(typeof(LedgerQueries.BudgetsReport))]
[JsonSerializable(typeof(AccessEvents.TenantCreated))]
[JsonSerializable(typeof(AccessEvents.ProjectCreated))]
[JsonSerializable(typeof(AccessEvents.KeyIssued))]
[JsonSerializable(typeof(AccessEvents.KeyExpirySet))]
[JsonSerializable(typeof(AccessEvents.KeyModelsSet))]
[JsonSerializable(typeof(AccessEvents.KeyRevoked))]
[JsonSerializable(typeof(AccessDirectoryView))]
[JsonSerializable(typeof(AccessCommands.CreateTenant))]
[JsonSerializable(typeof(AccessCommands.CreateProject))]
[JsonSerializable(typeof(AccessCommands.IssueKey))]
[JsonSerializable(typeof(AccessCommands.RotateKey))]
[JsonSerializable(typeof(AccessCommands.RevokeKey))]
[JsonSerializable(typeof(AccessCommands.SetKeyExpiry))]
[JsonSerializable(typeof(AccessCommands.SetKeyModels))]
[JsonSerializable(typeof(AccessCommands.AccessReply))]
[JsonSerializable(typeof(AccessQueries.GetDirectory))]
[JsonSerializable(typeof(AccessQueries.DirectoryUnchanged))]
internal sealed partial class ActorRelayJsonContext : JsonSerializerContext;
