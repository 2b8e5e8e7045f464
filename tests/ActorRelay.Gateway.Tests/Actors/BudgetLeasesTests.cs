using ActorRelay.Actors.Ledger;
using ActorRelay.Core.Ledger;
using ActorRelay.Gateway.Actors;
using ActorRelay.Gateway.Tests.Infrastructure;

namespace ActorRelay.Gateway.Tests.Actors;

/// <summary>A node's budget leases against a ledger that answers when the test says so.</summary>
public sealed class BudgetLeasesTests
{
    private const decimal CallCost = 1m;
    private const int LeaseCalls = 10;

    [Fact]
    public async Task ALeaseBelowHalf_IsToppedUpAhead_WhileCallsGoOnWithoutWaiting()
    {
        var ledger = new ScriptedLedger(remaining: 100m);
        var leases = new BudgetLeases(TimeProvider.System);
        var first = leases.ReserveAsync("t", null, CallCost, LeaseCalls, ledger.Ask, TestContext.Current.CancellationToken);
        await ledger.WaitForAskAsync(1);
        ledger.AnswerNext();
        await first;
        Assert.Equal(1, ledger.Asked);

        // The lease holds 10; after 6 calls 4 are left, below half: a top-up goes out, and the calls after it do not wait.
        for (var call = 0; call < 5; call++)
        {
            Assert.True(leases.TryReserve("t", null, CallCost, LeaseCalls, ledger.Ask, out _));
        }

        await ledger.WaitForAskAsync(2);
        for (var call = 0; call < 4; call++)
        {
            Assert.True(leases.TryReserve("t", null, CallCost, LeaseCalls, ledger.Ask, out _), "calls spend what is left while the top-up is on its way");
        }

        Assert.False(leases.TryReserve("t", null, CallCost, LeaseCalls, ledger.Ask, out _));
        Assert.Equal(2, ledger.Asked);
        ledger.AnswerNext();
        await Eventually.TrueAsync(() => leases.TryReserve("t", null, CallCost, LeaseCalls, ledger.Ask, out _), "the top-up's grant is spent");
        Assert.Equal(80m, ledger.Remaining);
    }

    [Fact]
    public async Task ALeaseTheBudgetCutShort_IsNotToppedUpAhead_SoAnExhaustedBudgetIsNotAskedOverAndOver()
    {
        var ledger = new ScriptedLedger(remaining: 6m);
        var leases = new BudgetLeases(TimeProvider.System);
        var first = leases.ReserveAsync("t", null, CallCost, LeaseCalls, ledger.Ask, TestContext.Current.CancellationToken);
        await ledger.WaitForAskAsync(1);
        ledger.AnswerNext();
        Assert.True((await first).Admitted);

        for (var call = 0; call < 5; call++)
        {
            Assert.True(leases.TryReserve("t", null, CallCost, LeaseCalls, ledger.Ask, out _));
        }

        Assert.False(leases.TryReserve("t", null, CallCost, LeaseCalls, ledger.Ask, out _));
        Assert.Equal(1, ledger.Asked);
    }

    [Fact]
    public async Task ACallThatGivesUpWaiting_DoesNotFailTheOthersWaitingForTheSameTopUp()
    {
        var ledger = new ScriptedLedger(remaining: 100m);
        var leases = new BudgetLeases(TimeProvider.System);
        using var leaving = new CancellationTokenSource();
        var gone = leases.ReserveAsync("t", null, CallCost, LeaseCalls, ledger.Ask, leaving.Token);
        await ledger.WaitForAskAsync(1);
        var staying = leases.ReserveAsync("t", null, CallCost, LeaseCalls, ledger.Ask, TestContext.Current.CancellationToken);

        await leaving.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => gone);
        ledger.AnswerNext();

        Assert.True((await staying).Admitted);
        Assert.Equal(1, ledger.Asked);
    }

    /// <summary>A tenant ledger with one hard budget that grants what it has left, one answer per <see cref="AnswerNext"/>.</summary>
    private sealed class ScriptedLedger(decimal remaining)
    {
        private readonly Queue<(LedgerCommands.LeaseBudget Command, TaskCompletionSource<LedgerCommands.BudgetLeased> Reply)> _asks = new();
        private readonly Lock _gate = new();

        public int Asked { get; private set; }

        public decimal Remaining { get; private set; } = remaining;

        public Task<LedgerCommands.BudgetLeased> Ask(LedgerCommands.LeaseBudget command)
        {
            var reply = new TaskCompletionSource<LedgerCommands.BudgetLeased>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_gate)
            {
                Asked++;
                _asks.Enqueue((command, reply));
            }

            return reply.Task;
        }

        public Task WaitForAskAsync(int asks) => Eventually.TrueAsync(() => { lock (_gate) { return Asked >= asks; } }, $"the ledger is asked {asks} time(s)");

        public void AnswerNext()
        {
            (LedgerCommands.LeaseBudget Command, TaskCompletionSource<LedgerCommands.BudgetLeased> Reply) ask;
            lock (_gate)
            {
                ask = _asks.Dequeue();
            }

            var granted = Math.Min(ask.Command.Want, Remaining);
            Remaining -= granted;
            var outcome = granted >= ask.Command.Minimum ? ReserveOutcome.Granted : ReserveOutcome.Denied;
            ask.Reply.SetResult(new LedgerCommands.BudgetLeased(ask.Command.TenantId, ask.Command.LeaseId, outcome, outcome == ReserveOutcome.Denied ? 0m : granted, Bounded: true, Budget: null, BudgetVersion: 1));
        }
    }
}
