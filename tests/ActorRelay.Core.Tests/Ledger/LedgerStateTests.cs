using ActorRelay.Core.Ledger;

namespace ActorRelay.Core.Tests.Ledger;

public sealed class LedgerStateTests
{
    internal static LedgerEvents.CostRecorded Cost(string requestId, string model = "m", decimal cost = 0.5m, long input = 10, long output = 20) => new(
        requestId, "tenant", model, "channel", "vendor-model", input, output, 0, false, cost, "v1",
        CallStatus.Succeeded, 200, false, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddSeconds(1));

    [Fact]
    public void Apply_SumsTotalsAndPerModel()
    {
        var state = new LedgerState();

        state.Apply(Cost("a", "m1", 1.25m));
        state.Apply(Cost("b", "m2", 0.75m));
        state.Apply(Cost("c", "m1", 0.10m));

        Assert.Equal(new UsageTotals(3, 30, 60, 0, 2.10m), state.Totals);
        Assert.Equal(new UsageTotals(2, 20, 40, 0, 1.35m), state.ByModel["m1"]);
    }

    [Fact]
    public void Decide_RequestIdAlreadyBilled_ReturnsNothingToPersist()
    {
        var state = new LedgerState();
        state.Apply(Cost("a"));

        Assert.Null(state.Decide(Cost("a", cost: 9m)));
        Assert.NotNull(state.Decide(Cost("b")));
    }

    [Fact]
    public void Apply_SameEventTwice_CountsOnce()
    {
        var state = new LedgerState();

        state.Apply(Cost("a"));
        state.Apply(Cost("a"));

        Assert.Equal(1, state.Totals.Requests);
    }

    [Fact]
    public void HasBatch_ASendersPersistedBatch_IsKnownAfterTheWindowForgotItsIds_AndAfterASnapshot()
    {
        var state = new LedgerState();
        state.Apply(new LedgerEvents.CostsRecorded([Cost("a")], "node-1", 7));
        state.Apply(new LedgerEvents.CostsRecorded(
            [.. Enumerable.Range(0, LedgerState.DeduplicationWindow).Select(i => Cost($"other-{i}"))], "node-2", 1));

        var restored = LedgerState.Restore(state.ToSnapshot());

        Assert.NotNull(state.Decide(Cost("a")));
        foreach (var ledger in new[] { state, restored })
        {
            Assert.True(ledger.HasBatch("node-1", 7));
            Assert.True(ledger.HasBatch("node-1", 6));
            Assert.False(ledger.HasBatch("node-1", 8));
            Assert.False(ledger.HasBatch("node-3", 1));
            Assert.False(ledger.HasBatch(null, 1));
        }
    }

    [Fact]
    public void HasBatch_BeyondSendersKept_ForgetsTheOldestSenderFirst()
    {
        var state = new LedgerState();
        for (var sender = 0; sender <= LedgerState.SendersKept; sender++)
        {
            state.Apply(new LedgerEvents.CostsRecorded([Cost($"r{sender}")], $"node-{sender}", 1));
        }

        Assert.False(state.HasBatch("node-0", 1));
        Assert.True(state.HasBatch("node-1", 1));
        Assert.True(LedgerState.Restore(state.ToSnapshot()).HasBatch($"node-{LedgerState.SendersKept}", 1));
    }

    [Fact]
    public void Restore_FromSnapshotParts_KeepsTotalsAndDeduplication()
    {
        var original = new LedgerState();
        original.Apply(Cost("a", "m1", 1m));
        original.Apply(Cost("b", "m2", 2m));

        var restored = LedgerState.Restore(original.ToSnapshot());

        Assert.Equal(original.Totals, restored.Totals);
        Assert.Equal(original.ByModel["m2"], restored.ByModel["m2"]);
        Assert.Null(restored.Decide(Cost("a")));
    }

    [Fact]
    public void Restore_FromASnapshotThatListsTheIdsThemselves_StillRefusesThem()
    {
        var written = new LedgerSnapshot(new UsageTotals(2, 20, 40, 0, 1m), new Dictionary<string, UsageTotals>(), ["a", "b"]);

        var restored = LedgerState.Restore(written);

        Assert.Null(restored.Decide(Cost("a")));
        Assert.Null(restored.Decide(Cost("b")));
        Assert.NotNull(restored.Decide(Cost("c")));
        Assert.Null(LedgerState.Restore(restored.ToSnapshot()).Decide(Cost("b")));
    }

    [Fact]
    public void Snapshot_OfAFullWindow_Keeps16BytesPerIdAndForgetsTheOldestInOrder()
    {
        var state = new LedgerState();
        for (var i = 0; i <= LedgerState.DeduplicationWindow; i++)
        {
            state.Apply(Cost($"req_{i:D32}"));
        }

        var snapshot = state.ToSnapshot();
        var restored = LedgerState.Restore(snapshot);
        restored.Apply(Cost("req_next"));

        Assert.Equal(LedgerState.DeduplicationWindow * 16, snapshot.BilledRequestIdHashes!.Length);
        Assert.Empty(snapshot.RecentRequestIds);
        Assert.NotNull(state.Decide(Cost($"req_{0:D32}")));
        Assert.Null(state.Decide(Cost($"req_{1:D32}")));
        Assert.NotNull(restored.Decide(Cost($"req_{1:D32}")));
        Assert.Null(restored.Decide(Cost($"req_{2:D32}")));
        Assert.Null(restored.Decide(Cost("req_next")));
    }

    [Fact]
    public void Window_AfterTwoAndAHalfWindowsOfCalls_RefusesExactlyTheLastWindowsIds_AlsoAfterASnapshot()
    {
        const int calls = LedgerState.DeduplicationWindow * 5 / 2;
        var state = new LedgerState();
        for (var i = 0; i < calls; i++)
        {
            state.Apply(Cost($"req_{i}"));
        }

        var restored = LedgerState.Restore(state.ToSnapshot());

        var firstKept = calls - LedgerState.DeduplicationWindow;
        foreach (var ledger in new[] { state, restored })
        {
            var forgotten = Enumerable.Range(0, firstKept).Count(i => ledger.Decide(Cost($"req_{i}")) is not null);
            var refused = Enumerable.Range(firstKept, LedgerState.DeduplicationWindow).Count(i => ledger.Decide(Cost($"req_{i}")) is null);
            Assert.Equal((firstKept, LedgerState.DeduplicationWindow), (forgotten, refused));
        }

        Assert.Equal(calls, state.Totals.Requests);
    }

    [Fact]
    public void Apply_ACostMoreThanTheKeptDaysLater_DropsTheOldDaysSpending()
    {
        var state = new LedgerState();
        state.Apply(Cost("a"));
        state.Apply(Cost("b") with { FinishedAt = DateTimeOffset.UnixEpoch.AddDays(LedgerState.SpendingDaysKept - 1) });
        var keptBoth = state.ToSnapshot().DailySpending!.Count;

        state.Apply(Cost("c") with { FinishedAt = DateTimeOffset.UnixEpoch.AddDays(LedgerState.SpendingDaysKept + 1) });

        var epoch = DateOnly.FromDateTime(DateTime.UnixEpoch);
        Assert.Equal(2, keptBoth);
        Assert.Equal(
            [epoch.AddDays(LedgerState.SpendingDaysKept - 1), epoch.AddDays(LedgerState.SpendingDaysKept + 1)],
            state.ToSnapshot().DailySpending!.Select(spent => spent.Day!.Value).Order());
    }
}
