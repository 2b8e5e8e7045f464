namespace ActorRelay.Core.Ledger;

/// <summary>
/// The cost ledger's events. They are a public contract that outlives the code: fields are only ever added
/// (with defaults, so that older stored events still read), never renamed or removed, and each type carries a
/// versioned serializer manifest.
/// </summary>
public static class LedgerEvents
{
    /// <summary>One finished call, priced. Exactly one per request id per tenant.</summary>
    public sealed record CostRecorded(
        string RequestId,
        string TenantId,
        string Model,
        string ChannelId,
        string VendorModel,
        long InputTokens,
        long OutputTokens,
        long CachedTokens,
        bool UsageEstimated,
        decimal Cost,
        string PriceVersion,
        CallStatus Status,
        int HttpStatus,
        bool Streamed,
        DateTimeOffset StartedAt,
        DateTimeOffset FinishedAt,
        string? ProjectId = null,
        string? KeyId = null,
        IReadOnlyDictionary<string, string>? Tags = null,
        long Images = 0,
        decimal AudioSeconds = 0) : ILedgerEvent;

    /// <summary>
    /// Several finished calls, each exactly as a <see cref="CostRecorded"/>, persisted together as one journal entry:
    /// the ledger commits calls in groups (one write for many calls) instead of one write per call. Readers flatten it.
    /// </summary>
    /// <param name="Sender">The gateway node's ledger agent that sent the batch (one id per agent instance), when it said.</param>
    /// <param name="BatchId">The agent's number for the batch: it numbers its batches in the order it sends them and sends
    /// a tenant's next batch only after the last one was acknowledged or given up, so the ledger knows a resent batch of a
    /// sender for as long as it remembers the sender, however many calls it billed since.</param>
    public sealed record CostsRecorded(IReadOnlyList<CostRecorded> Costs, string? Sender = null, long BatchId = 0) : ILedgerEvent;

    /// <summary>A budget was set (or removed, when <paramref name="Budget"/> is null) for the tenant or one project.</summary>
    public sealed record BudgetSet(string TenantId, string? ProjectId, BudgetSpec? Budget, DateTimeOffset At) : ILedgerEvent;
}

/// <summary>Marker for events persisted by the tenant ledger.</summary>
public interface ILedgerEvent : IActorRelayMessage;

/// <summary>How a call ended, as billed.</summary>
public enum CallStatus
{
    Succeeded = 0,
    ClientAborted = 1,
    UpstreamFailed = 2,
    TimedOut = 3,
}
