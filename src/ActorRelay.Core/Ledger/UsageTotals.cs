namespace ActorRelay.Core.Ledger;

/// <summary>Summed usage and cost over a set of ledger events.</summary>
public sealed record UsageTotals(long Requests, long InputTokens, long OutputTokens, long CachedTokens, decimal Cost)
{
    public static readonly UsageTotals Zero = new(0, 0, 0, 0, 0m);

    public UsageTotals Add(LedgerEvents.CostRecorded cost) => new(
        Requests + 1,
        InputTokens + cost.InputTokens,
        OutputTokens + cost.OutputTokens,
        CachedTokens + cost.CachedTokens,
        Cost + cost.Cost);
}
