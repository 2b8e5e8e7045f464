using System.Text.Json.Serialization;
using ActorRelay.Gateway.Endpoints;

namespace ActorRelay.Gateway.Errors;

/// <summary>Source-generated JSON for everything the gateway writes itself.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(OpenAiErrorEnvelope))]
[JsonSerializable(typeof(ModelList))]
[JsonSerializable(typeof(ModelCard))]
[JsonSerializable(typeof(UsageResponse))]
[JsonSerializable(typeof(UsageLine))]
[JsonSerializable(typeof(ReportResponse))]
[JsonSerializable(typeof(RouteRequest))]
[JsonSerializable(typeof(RouteResponse))]
[JsonSerializable(typeof(RoutingTableResponse))]
[JsonSerializable(typeof(RouteHistoryResponse))]
[JsonSerializable(typeof(ChannelResponse))]
[JsonSerializable(typeof(List<ChannelResponse>))]
[JsonSerializable(typeof(ClusterResponse))]
internal sealed partial class GatewayJsonContext : JsonSerializerContext;
