namespace ActorRelay.Core.Pricing;

/// <summary>
/// Prices in the price table's currency: per one million tokens (for speech models, per one million input characters),
/// per image and per audio second.
/// </summary>
public sealed record ModelPrice
{
    public decimal InputPerMillion { get; init; }
    public decimal OutputPerMillion { get; init; }

    /// <summary>Price of cached input tokens; when null, cached tokens cost the same as other input tokens.</summary>
    public decimal? CachedInputPerMillion { get; init; }

    /// <summary>Price of one generated image (image models).</summary>
    public decimal PerImage { get; init; }

    /// <summary>Price of one second of transcribed audio (speech-to-text models).</summary>
    public decimal PerAudioSecond { get; init; }
}
