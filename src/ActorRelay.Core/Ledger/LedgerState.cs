namespace ActorRelay.Core.Ledger;

/// <summary>
/// A tenant ledger's state: running totals per model and the request ids already billed, so that a request
/// id is recorded at most once. Decisions are pure: <see cref="Decide"/> never mutates, <see cref="Apply"/> only
/// applies an event that was persisted.
/// </summary>
public sealed class LedgerState
{
    /// <summary>How many recent request ids are remembered for de-duplication.</summary>
    public const int DeduplicationWindow = 100_000;

    private readonly HashSet<string> _billed = new(StringComparer.Ordinal);
    private readonly Queue<string> _billedOrder = new();
    private readonly Dictionary<string, UsageTotals> _byModel = new(StringComparer.Ordinal);

    public UsageTotals Totals { get; private set; } = UsageTotals.Zero;

    public IReadOnlyDictionary<string, UsageTotals> ByModel => _byModel;

    public IEnumerable<string> RecentRequestIds => _billedOrder;

    /// <summary>The event to persist for <paramref name="cost"/>, or null when its request id was already billed.</summary>
    public LedgerEvents.CostRecorded? Decide(LedgerEvents.CostRecorded cost) =>
        _billed.Contains(cost.RequestId) ? null : cost;

    public void Apply(LedgerEvents.CostRecorded cost)
    {
        if (!Remember(cost.RequestId))
        {
            return;
        }

        Totals = Totals.Add(cost);
        _byModel[cost.Model] = _byModel.GetValueOrDefault(cost.Model, UsageTotals.Zero).Add(cost);
    }

    /// <summary>Rebuilds a state from a snapshot's parts.</summary>
    public static LedgerState Restore(UsageTotals totals, IReadOnlyDictionary<string, UsageTotals> byModel, IEnumerable<string> recentRequestIds)
    {
        var state = new LedgerState { Totals = totals };
        foreach (var (model, modelTotals) in byModel)
        {
            state._byModel[model] = modelTotals;
        }

        foreach (var requestId in recentRequestIds)
        {
            state.Remember(requestId);
        }

        return state;
    }

    private bool Remember(string requestId)
    {
        if (!_billed.Add(requestId))
        {
            return false;
        }

        _billedOrder.Enqueue(requestId);
        if (_billedOrder.Count > DeduplicationWindow)
        {
            _billed.Remove(_billedOrder.Dequeue());
        }

        return true;
    }
}
