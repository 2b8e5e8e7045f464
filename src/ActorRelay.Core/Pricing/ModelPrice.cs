namespace ActorRelay.Core.Pricing;

/// <summary>Prices in the price table's currency per one million tokens.</summary>
public sealed record ModelPrice
{
    public decimal InputPerMillion { get; init; }
    public decimal OutputPerMillion { get; init; }

    /// <summary>Price of cached input tokens; when null, cached tokens cost the same as other input tokens.</summary>
    public decimal? CachedInputPerMillion { get; init; }
}
