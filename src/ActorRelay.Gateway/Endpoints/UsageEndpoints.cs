using System.Text.Json.Serialization;
using ActorRelay.Actors.Ledger;
using ActorRelay.Core.Ledger;
using ActorRelay.Gateway.Actors;
using ActorRelay.Gateway.Errors;
using ActorRelay.Gateway.Access;

namespace ActorRelay.Gateway.Endpoints;

internal sealed record UsageLine(
    [property: JsonPropertyName("requests")] long Requests,
    [property: JsonPropertyName("input_tokens")] long InputTokens,
    [property: JsonPropertyName("output_tokens")] long OutputTokens,
    [property: JsonPropertyName("cached_tokens")] long CachedTokens,
    [property: JsonPropertyName("cost")] decimal Cost)
{
    public static UsageLine From(UsageTotals totals) =>
        new(totals.Requests, totals.InputTokens, totals.OutputTokens, totals.CachedTokens, totals.Cost);
}

internal sealed record UsageResponse(
    [property: JsonPropertyName("tenant")] string Tenant,
    [property: JsonPropertyName("totals")] UsageLine Totals,
    [property: JsonPropertyName("models")] IReadOnlyDictionary<string, UsageLine> Models);

internal static class UsageEndpoints
{
    public static IEndpointRouteBuilder MapUsageEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/v1/usage", async (HttpContext context, LedgerClient ledger, CancellationToken cancellationToken) =>
            {
                var report = await ledger.UsageAsync(CallerFilter.Of(context).TenantId, cancellationToken);
                return TypedResults.Json(ToResponse(report), GatewayJsonContext.Default.UsageResponse);
            })
            .AddEndpointFilter<CallerFilter>()
            .WithName("GetUsage")
            .WithTags("Usage")
            .WithSummary("Usage and cost totals of the caller's tenant, from its event-sourced ledger, by model alias.");
        return endpoints;
    }

    private static UsageResponse ToResponse(LedgerQueries.UsageReport report) => new(
        report.TenantId,
        UsageLine.From(report.Totals),
        report.ByModel.ToDictionary(model => model.Key, model => UsageLine.From(model.Value)));
}
