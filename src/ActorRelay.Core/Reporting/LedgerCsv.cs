using System.Globalization;
using System.Text;
using ActorRelay.Core.Ledger;

namespace ActorRelay.Core.Reporting;

/// <summary>CSV (RFC 4180) for ledger events and usage reports; invariant culture, money with full precision.</summary>
public static class LedgerCsv
{
    public const string EventHeader =
        "request_id,tenant,project,key_id,model,channel,vendor_model,input_tokens,output_tokens,cached_tokens,usage_estimated,cost,price_version,status,http_status,streamed,started_at,finished_at,tags";

    public static string EventLine(LedgerEvents.CostRecorded cost) => Join(
        cost.RequestId,
        cost.TenantId,
        cost.ProjectId ?? "",
        cost.KeyId ?? "",
        cost.Model,
        cost.ChannelId,
        cost.VendorModel,
        Number(cost.InputTokens),
        Number(cost.OutputTokens),
        Number(cost.CachedTokens),
        cost.UsageEstimated ? "true" : "false",
        cost.Cost.ToString(CultureInfo.InvariantCulture),
        cost.PriceVersion,
        cost.Status.ToString(),
        Number(cost.HttpStatus),
        cost.Streamed ? "true" : "false",
        cost.StartedAt.ToString("O", CultureInfo.InvariantCulture),
        cost.FinishedAt.ToString("O", CultureInfo.InvariantCulture),
        cost.Tags is { Count: > 0 } tags ? string.Join(';', tags.OrderBy(tag => tag.Key, StringComparer.Ordinal).Select(tag => $"{tag.Key}={tag.Value}")) : "");

    public static string RowHeader(IReadOnlyList<UsageDimension> groupBy) =>
        Join([.. groupBy.Select(dimension => dimension.Name), "requests", "input_tokens", "output_tokens", "cached_tokens", "cost"]);

    public static string RowLine(UsageRow row) =>
        Join([.. row.Keys, Number(row.Totals.Requests), Number(row.Totals.InputTokens), Number(row.Totals.OutputTokens), Number(row.Totals.CachedTokens),
            row.Totals.Cost.ToString(CultureInfo.InvariantCulture)]);

    public static string Rows(IReadOnlyList<UsageDimension> groupBy, IEnumerable<UsageRow> rows)
    {
        var csv = new StringBuilder(RowHeader(groupBy)).Append('\n');
        foreach (var row in rows)
        {
            csv.Append(RowLine(row)).Append('\n');
        }

        return csv.ToString();
    }

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Join(params string[] fields) => string.Join(',', fields.Select(Escape));

    private static string Escape(string field) =>
        field.AsSpan().IndexOfAny(",\"\n\r") < 0 ? field : "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
