using System.Collections.Frozen;
using ActorRelay.Core.Protocol;

namespace ActorRelay.Core.Pricing;

/// <summary>The cost of one call and the price-table version it was computed with.</summary>
public readonly record struct PricedCost(decimal Cost, string PriceVersion, bool Priced);

/// <summary>An immutable, versioned price table keyed by model name (case-insensitive).</summary>
public sealed class PriceTable
{
    private const decimal TokensPerMillion = 1_000_000m;
    private readonly FrozenDictionary<string, ModelPrice> _prices;

    public PriceTable(string version, IEnumerable<KeyValuePair<string, ModelPrice>> prices)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(version);
        Version = version;
        _prices = prices.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
    }

    public string Version { get; }

    public IReadOnlyDictionary<string, ModelPrice> Prices => _prices;

    /// <summary>
    /// Prices <paramref name="usage"/> for <paramref name="model"/>. A model missing from the table costs
    /// nothing and is reported with <see cref="PricedCost.Priced"/> false, so it can be alerted on and re-priced later.
    /// </summary>
    public PricedCost Price(string model, TokenUsage usage)
    {
        if (!_prices.TryGetValue(model, out var price))
        {
            return new PricedCost(0m, Version, false);
        }

        var cached = Math.Clamp(usage.CachedTokens, 0, usage.InputTokens);
        var cachedPrice = price.CachedInputPerMillion ?? price.InputPerMillion;
        var cost = (((usage.InputTokens - cached) * price.InputPerMillion)
                    + (cached * cachedPrice)
                    + (usage.OutputTokens * price.OutputPerMillion)) / TokensPerMillion
                   + (usage.Images * price.PerImage)
                   + (usage.AudioSeconds * price.PerAudioSecond);
        return new PricedCost(cost, Version, true);
    }
}
