using System.Globalization;
using System.Text.Json.Serialization;
using ActorRelay.Actors.Ledger;
using ActorRelay.Core.Reporting;
using ActorRelay.Gateway.Access;
using ActorRelay.Gateway.Errors;
using Akka.Actor;
using Akka.Streams;
using Microsoft.AspNetCore.Mvc;

namespace ActorRelay.Gateway.Endpoints;

internal sealed record ReportRow(
    [property: JsonPropertyName("keys")] IReadOnlyDictionary<string, string> Keys,
    [property: JsonPropertyName("requests")] long Requests,
    [property: JsonPropertyName("input_tokens")] long InputTokens,
    [property: JsonPropertyName("output_tokens")] long OutputTokens,
    [property: JsonPropertyName("cached_tokens")] long CachedTokens,
    [property: JsonPropertyName("cost")] decimal Cost);

internal sealed record ReportResponse(
    [property: JsonPropertyName("group_by")] IReadOnlyList<string> GroupBy,
    [property: JsonPropertyName("rows")] IReadOnlyList<ReportRow> Rows,
    [property: JsonPropertyName("totals")] UsageLine Totals);

/// <summary>
/// Usage reports for analysts, read from the event-sourced ledger through Akka.Persistence.Query (the same fold
/// the replay tool uses), grouped by any of tenant, project, key, model, channel, vendor model, day, status, tag.
/// </summary>
internal static class ReportEndpoints
{
    public static IEndpointRouteBuilder MapReportEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/admin/usage", ReportAsync)
            .AddEndpointFilter<AdminKeyFilter>()
            .WithTags("Admin")
            .WithSummary("Usage report from the ledger: group_by=tenant,project,key,model,channel,vendor_model,day,status,tag:<name>; "
                         + "filters tenant, project, from, to (ISO 8601); format=json|csv.")
            .Produces<ReportResponse>()
            .Produces<string>(StatusCodes.Status200OK, "text/csv");
        return endpoints;
    }

    private static async Task<IResult> ReportAsync(
        HttpContext context,
        ActorSystem system,
        [FromQuery(Name = "group_by")] string? groupBy,
        string? tenant,
        string? project,
        string? from,
        string? to,
        string? format)
    {
        if (!UsageDimension.TryParseList(groupBy ?? "tenant,model", out var dimensions, out var error)
            || !TryParseTime(from, out var since) || !TryParseTime(to, out var until)
            || format is not (null or "json" or "csv"))
        {
            await ErrorResponses.WriteAsync(context, StatusCodes.Status400BadRequest,
                error ?? "from/to must be ISO 8601 times and format json or csv.", OpenAiErrorTypes.InvalidRequest, null);
            return Results.Empty;
        }

        var aggregator = new UsageAggregator(dimensions, new UsageFilter(tenant, project, since, until));
        await LedgerJournal.CurrentCosts(system).RunForeach(cost => aggregator.Add(cost), system.Materializer());
        var rows = aggregator.Rows();
        if (format == "csv")
        {
            return Results.Text(LedgerCsv.Rows(dimensions, rows), "text/csv");
        }

        return Results.Json(
            new ReportResponse(
                dimensions.Select(dimension => dimension.Name).ToList(),
                rows.Select(row => new ReportRow(
                    dimensions.Select((dimension, i) => KeyValuePair.Create(dimension.Name, row.Keys[i])).ToDictionary(),
                    row.Totals.Requests, row.Totals.InputTokens, row.Totals.OutputTokens, row.Totals.CachedTokens, row.Totals.Cost)).ToList(),
                UsageLine.From(aggregator.Totals)),
            GatewayJsonContext.Default.ReportResponse);
    }

    private static bool TryParseTime(string? value, out DateTimeOffset? time)
    {
        time = null;
        if (value is null)
        {
            return true;
        }

        if (!DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
        {
            return false;
        }

        time = parsed;
        return true;
    }
}
