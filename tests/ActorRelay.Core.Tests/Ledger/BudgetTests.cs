using ActorRelay.Core.Ledger;

namespace ActorRelay.Core.Tests.Ledger;

public sealed class BudgetTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);

    private static LedgerEvents.CostRecorded Cost(string requestId, decimal cost, DateTimeOffset at, string? project = null) => new(
        requestId, "t", "m", "c", "vm", 1, 1, 0, false, cost, "v1", CallStatus.Succeeded, 200, false, at, at, project);

    private static LedgerState WithBudget(BudgetSpec budget, string? project = null)
    {
        var state = new LedgerState();
        state.Apply(new LedgerEvents.BudgetSet("t", project, budget, Now));
        return state;
    }

    [Fact]
    public void TryReserve_HardBudget_AdmitsOnlyWhatFitsIncludingOutstandingReservations()
    {
        var state = WithBudget(new BudgetSpec(10m, BudgetPeriod.Monthly, BudgetMode.Hard));

        var granted = Enumerable.Range(0, 20).Count(i => state.TryReserve($"r{i}", null, 1m, 1m, Now, Lease).Outcome == ReserveOutcome.Granted);

        Assert.Equal(10, granted);
        var denied = state.TryReserve("late", null, 0.01m, 0.01m, Now, Lease);
        Assert.Equal(ReserveOutcome.Denied, denied.Outcome);
        Assert.Equal(10m, denied.Budget!.Reserved);
    }

    [Fact]
    public void Settle_BelowReservation_ReleasesTheRest()
    {
        var state = WithBudget(new BudgetSpec(2m, BudgetPeriod.Monthly, BudgetMode.Hard));
        state.TryReserve("a", null, 2m, 2m, Now, Lease);

        state.Apply(Cost("a", 0.5m, Now));

        var status = Assert.Single(state.Budgets(Now));
        Assert.Equal(0.5m, status.Spent);
        Assert.Equal(0m, status.Reserved);
        Assert.Equal(ReserveOutcome.Granted, state.TryReserve("b", null, 1.5m, 1.5m, Now, Lease).Outcome);
        Assert.Equal(ReserveOutcome.Denied, state.TryReserve("c", null, 0.01m, 0.01m, Now, Lease).Outcome);
    }

    [Fact]
    public void TryReserve_SoftBudget_GrantsButFlags()
    {
        var state = WithBudget(new BudgetSpec(1m, BudgetPeriod.Daily, BudgetMode.Soft));
        state.Apply(Cost("a", 1m, Now));

        var decision = state.TryReserve("b", null, 0.5m, 0.5m, Now, Lease);

        Assert.Equal(ReserveOutcome.GrantedOverSoftBudget, decision.Outcome);
        Assert.Equal(1m, decision.Budget!.Spent);
    }

    [Fact]
    public void TryReserve_ProjectBudget_LimitsOnlyThatProjectButCountsTowardsTheTenant()
    {
        var state = WithBudget(new BudgetSpec(5m, BudgetPeriod.Monthly, BudgetMode.Hard));
        state.Apply(new LedgerEvents.BudgetSet("t", "p1", new BudgetSpec(1m, BudgetPeriod.Monthly, BudgetMode.Hard), Now));

        Assert.Equal(ReserveOutcome.Granted, state.TryReserve("p1-a", "p1", 1m, 1m, Now, Lease).Outcome);
        var projectDenied = state.TryReserve("p1-b", "p1", 1m, 1m, Now, Lease);
        Assert.Equal(ReserveOutcome.Denied, projectDenied.Outcome);
        Assert.Equal("p1", projectDenied.Budget!.ProjectId);

        Assert.Equal(4, Enumerable.Range(0, 10).Count(i => state.TryReserve($"other-{i}", "p2", 1m, 1m, Now, Lease).Outcome == ReserveOutcome.Granted));
    }

    [Fact]
    public void Spending_InAnEarlierPeriod_DoesNotCountAfterTheReset()
    {
        var state = WithBudget(new BudgetSpec(1m, BudgetPeriod.Monthly, BudgetMode.Hard));
        state.Apply(Cost("october", 1m, new DateTimeOffset(2026, 10, 31, 23, 59, 0, TimeSpan.Zero)));

        Assert.Equal(ReserveOutcome.Granted, state.TryReserve("november", null, 1m, 1m, Now, Lease).Outcome);
        Assert.Equal(0m, Assert.Single(state.Budgets(Now)).Spent);
    }

    [Fact]
    public void TotalBudget_NeverResets()
    {
        var state = WithBudget(new BudgetSpec(1m, BudgetPeriod.Total, BudgetMode.Hard));
        state.Apply(Cost("long-ago", 1m, Now.AddYears(-1)));

        Assert.Equal(ReserveOutcome.Denied, state.TryReserve("now", null, 0.01m, 0.01m, Now, Lease).Outcome);
    }

    [Fact]
    public void Reservation_OfAVanishedNode_ExpiresAfterItsLease()
    {
        var state = WithBudget(new BudgetSpec(1m, BudgetPeriod.Monthly, BudgetMode.Hard));
        state.TryReserve("lost", null, 1m, 1m, Now, TimeSpan.FromSeconds(30));

        Assert.Equal(ReserveOutcome.Denied, state.TryReserve("x", null, 1m, 1m, Now.AddSeconds(10), Lease).Outcome);
        Assert.False(state.Renew("lost", Now.AddSeconds(31), Lease));
        Assert.Equal(ReserveOutcome.Granted, state.TryReserve("y", null, 1m, 1m, Now.AddSeconds(31), Lease).Outcome);
    }

    [Fact]
    public void TryReserve_Lease_GrantsWhatIsLeftDownToTheMinimumAndTopsUp()
    {
        var state = WithBudget(new BudgetSpec(10m, BudgetPeriod.Monthly, BudgetMode.Hard));

        var first = state.TryReserve("node-a", null, 6m, 1m, Now, Lease);
        var partial = state.TryReserve("node-b", null, 6m, 1m, Now, Lease);
        var tooLittle = state.TryReserve("node-c", null, 6m, 0.5m, Now, Lease);
        state.Consume("node-a", 2m);
        state.Return("node-a", 1m);
        var topUp = state.TryReserve("node-b", null, 6m, 1m, Now, Lease);

        Assert.Equal((ReserveOutcome.Granted, 6m), (first.Outcome, first.Granted));
        Assert.Equal((ReserveOutcome.Granted, 4m), (partial.Outcome, partial.Granted));
        Assert.Equal(ReserveOutcome.Denied, tooLittle.Outcome);
        Assert.Equal((ReserveOutcome.Granted, 3m), (topUp.Outcome, topUp.Granted));
        Assert.Equal(10m, Assert.Single(state.Budgets(Now)).Reserved);
    }

    [Fact]
    public void TryReserve_NoBudget_HoldsNothing()
    {
        var state = new LedgerState();

        var decision = state.TryReserve("node-a", null, 5m, 1m, Now, Lease);

        Assert.Equal((ReserveOutcome.Granted, 0m, false), (decision.Outcome, decision.Granted, decision.Bounded));
        Assert.Equal(0, state.OutstandingReservations);
    }

    [Theory]
    [InlineData(BudgetPeriod.Daily, "2026-11-25", "2026-11-26")]
    [InlineData(BudgetPeriod.Weekly, "2026-11-23", "2026-11-30")]
    [InlineData(BudgetPeriod.Monthly, "2026-11-01", "2026-12-01")]
    public void PeriodAround_UsesUtcCalendarPeriods(BudgetPeriod period, string start, string end)
    {
        var (from, until) = new BudgetSpec(1m, period, BudgetMode.Hard).PeriodAround(Now);

        Assert.Equal(DateTimeOffset.Parse(start + "T00:00:00Z"), from);
        Assert.Equal(DateTimeOffset.Parse(end + "T00:00:00Z"), until);
    }

    [Fact]
    public void Snapshot_RoundTrip_KeepsBudgetsAndSpending()
    {
        var state = WithBudget(new BudgetSpec(3m, BudgetPeriod.Weekly, BudgetMode.Hard), "p");
        state.Apply(Cost("a", 1.25m, Now, "p"));

        var restored = LedgerState.Restore(state.ToSnapshot());

        Assert.Equal(state.Budgets(Now), restored.Budgets(Now));
        Assert.Null(restored.Decide(Cost("a", 1.25m, Now, "p")));
    }
}
