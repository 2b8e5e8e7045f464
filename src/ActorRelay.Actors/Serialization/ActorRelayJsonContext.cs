using System.Text.Json.Serialization;
using ActorRelay.Actors.Channels;
using ActorRelay.Actors.Ledger;
using ActorRelay.Core.Ledger;

namespace ActorRelay.Actors.Serialization;

/// <summary>Source-generated JSON contracts for every message that crosses the wire or enters the journal.</summary>
[JsonSourceGenerationOptions(UseStringEnumConverter = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(LedgerEvents.CostRecorded))]
[JsonSerializable(typeof(LedgerSnapshot))]
[JsonSerializable(typeof(LedgerCommands.RecordCost))]
[JsonSerializable(typeof(LedgerCommands.CostAck))]
[JsonSerializable(typeof(LedgerQueries.GetUsage))]
[JsonSerializable(typeof(LedgerQueries.UsageReport))]
[JsonSerializable(typeof(ChannelCommands.Admit))]
[JsonSerializable(typeof(ChannelCommands.Admitted))]
[JsonSerializable(typeof(ChannelCommands.Rejected))]
[JsonSerializable(typeof(ChannelCommands.Release))]
[JsonSerializable(typeof(ChannelQueries.GetChannelStats))]
[JsonSerializable(typeof(ChannelQueries.ChannelStats))]
internal sealed partial class ActorRelayJsonContext : JsonSerializerContext;
