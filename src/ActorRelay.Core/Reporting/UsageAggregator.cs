using ActorRelay.Core.Ledger;
using ActorRelay.Core.Pricing;
using ActorRelay.Core.Protocol;

namespace ActorRelay.Core.Reporting;

/// <summary>Which ledger events a report covers; every criterion is optional.</summary>
public sealed record UsageFilter(string? TenantId = null, string? ProjectId = null, DateTimeOffset? From = null, DateTimeOffset? Until = null)
{
    public bool Matches(LedgerEvents.CostRecorded cost) =>
        (TenantId is null || cost.TenantId == TenantId)
        && (ProjectId is null || cost.ProjectId == ProjectId)
        && (From is null || cost.FinishedAt >= From)
        && (Until is null || cost.FinishedAt < Until);
}

public sealed record UsageRow(IReadOnlyList<string> Keys, UsageTotals Totals);

/// <summary>
/// Folds ledger events into totals grouped by any dimensions, optionally re-pricing every event with another
/// price table (tokens are facts; prices are a choice). Used by the HTTP reports and the replay tool alike, so
/// both always agree with each other and with the live ledger.
/// </summary>
public sealed class UsageAggregator(IReadOnlyList<UsageDimension> groupBy, UsageFilter filter, PriceTable? reprice = null)
{
    private readonly Dictionary<string, (string[] Keys, UsageTotals Totals)> _groups = new(StringComparer.Ordinal);

    public IReadOnlyList<UsageDimension> GroupBy => groupBy;

    public UsageTotals Totals { get; private set; } = UsageTotals.Zero;

    /// <summary>Events that the re-pricing table had no price for (they count at zero cost).</summary>
    public long Unpriced { get; private set; }

    /// <summary>Adds one event (if it matches the filter) and returns it as counted: re-priced when a table was given.</summary>
    public LedgerEvents.CostRecorded? Add(LedgerEvents.CostRecorded cost)
    {
        if (!filter.Matches(cost))
        {
            return null;
        }

        var counted = reprice is null ? cost : Reprice(cost, reprice);
        Totals = Totals.Add(counted);
        var keys = new string[groupBy.Count];
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = groupBy[i].ValueOf(counted);
        }

        var groupKey = string.Join('\u001f', keys);
        _groups[groupKey] = _groups.TryGetValue(groupKey, out var group)
            ? (group.Keys, group.Totals.Add(counted))
            : (keys, UsageTotals.Zero.Add(counted));
        return counted;
    }

    public IReadOnlyList<UsageRow> Rows() => _groups.Values
        .Select(group => new UsageRow(group.Keys, group.Totals))
        .OrderBy(row => string.Join('\u001f', row.Keys), StringComparer.Ordinal)
        .ToList();

    private LedgerEvents.CostRecorded Reprice(LedgerEvents.CostRecorded cost, PriceTable table)
    {
        var priced = table.Price(cost.ChannelId, cost.VendorModel, new TokenUsage(cost.InputTokens, cost.OutputTokens, cost.CachedTokens, cost.UsageEstimated, cost.Images, cost.AudioSeconds));
        if (!priced.Priced)
        {
            Unpriced++;
        }

        return cost with { Cost = priced.Cost, PriceVersion = priced.PriceVersion };
    }
}
