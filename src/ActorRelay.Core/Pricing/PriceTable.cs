using System.Collections.Frozen;
using ActorRelay.Core.Protocol;

namespace ActorRelay.Core.Pricing;

/// <summary>The cost of one call and the price-table version it was computed with.</summary>
public readonly record struct PricedCost(decimal Cost, string PriceVersion, bool Priced);

/// <summary>
/// An immutable, versioned price table: prices per vendor model (case-insensitive), optionally overridden per
/// channel (the same model can cost differently through another vendor or contract).
/// </summary>
public sealed class PriceTable
{
    private const decimal TokensPerMillion = 1_000_000m;
    private readonly FrozenDictionary<string, ModelPrice> _prices;
    private readonly FrozenDictionary<string, FrozenDictionary<string, ModelPrice>> _channelPrices;

    public PriceTable(
        string version,
        IEnumerable<KeyValuePair<string, ModelPrice>> prices,
        IEnumerable<KeyValuePair<string, Dictionary<string, ModelPrice>>>? channelPrices = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(version);
        Version = version;
        _prices = prices.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
        _channelPrices = (channelPrices ?? []).ToFrozenDictionary(
            channel => channel.Key,
            channel => channel.Value.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase),
            StringComparer.OrdinalIgnoreCase);
    }

    public string Version { get; }

    /// <summary>
    /// Prices <paramref name="usage"/> of <paramref name="model"/> on <paramref name="channelId"/>: the channel's own
    /// price when it has one, else the model's. A model missing from the table costs nothing and is reported with
    /// <see cref="PricedCost.Priced"/> false, so it can be alerted on and re-priced later.
    /// </summary>
    public PricedCost Price(string channelId, string model, TokenUsage usage)
    {
        if (!(_channelPrices.TryGetValue(channelId, out var channel) && channel.TryGetValue(model, out var price))
            && !_prices.TryGetValue(model, out price))
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
