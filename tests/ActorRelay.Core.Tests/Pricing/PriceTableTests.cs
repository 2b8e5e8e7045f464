using ActorRelay.Core.Pricing;
using ActorRelay.Core.Protocol;

namespace ActorRelay.Core.Tests.Pricing;

public sealed class PriceTableTests
{
    private static readonly PriceTable Table = new("v7", new Dictionary<string, ModelPrice>
    {
        ["gpt-4o"] = new() { InputPerMillion = 2.50m, OutputPerMillion = 10.00m, CachedInputPerMillion = 1.25m },
        ["mini"] = new() { InputPerMillion = 0.15m, OutputPerMillion = 0.60m },
    });

    [Fact]
    public void Price_InputAndOutput_UsesPerMillionRatesExactly()
    {
        var priced = Table.Price("any-channel", "mini", new TokenUsage(1_000, 500, 0, false));

        Assert.Equal(0.00045m, priced.Cost);
        Assert.Equal("v7", priced.PriceVersion);
        Assert.True(priced.Priced);
    }

    [Fact]
    public void Price_CachedTokens_UseCachedRate()
    {
        var priced = Table.Price("any-channel", "GPT-4O", new TokenUsage(1_000_000, 0, 400_000, false));

        Assert.Equal((600_000 * 2.50m / 1_000_000) + (400_000 * 1.25m / 1_000_000), priced.Cost);
    }

    [Fact]
    public void Price_CachedWithoutCachedRate_CostsAsInput()
    {
        var priced = Table.Price("any-channel", "mini", new TokenUsage(2_000_000, 0, 1_000_000, false));

        Assert.Equal(0.30m, priced.Cost);
    }

    [Fact]
    public void Price_ChannelOverride_WinsOnThatChannelOnly()
    {
        var table = new PriceTable("v8", new Dictionary<string, ModelPrice> { ["gpt-4o"] = new() { InputPerMillion = 2.5m, OutputPerMillion = 10m } },
            new Dictionary<string, Dictionary<string, ModelPrice>> { ["azure-eu"] = new() { ["GPT-4o"] = new() { InputPerMillion = 3m, OutputPerMillion = 12m } } });
        var usage = new TokenUsage(1_000_000, 1_000_000, 0, false);

        Assert.Equal(15m, table.Price("azure-eu", "gpt-4o", usage).Cost);
        Assert.Equal(12.5m, table.Price("openai", "gpt-4o", usage).Cost);
    }

    [Fact]
    public void Price_UnknownModel_IsZeroAndUnpriced()
    {
        var priced = Table.Price("any-channel", "unknown", new TokenUsage(10, 10, 0, false));

        Assert.Equal(0m, priced.Cost);
        Assert.False(priced.Priced);
    }

    [Fact]
    public void Price_ManySmallCalls_SumToTheSameAsOneBigCall()
    {
        var small = Enumerable.Range(0, 1_000).Sum(_ => Table.Price("any-channel", "gpt-4o", new TokenUsage(7, 3, 0, false)).Cost);
        var big = Table.Price("any-channel", "gpt-4o", new TokenUsage(7_000, 3_000, 0, false)).Cost;

        Assert.Equal(big, small);
    }
}
