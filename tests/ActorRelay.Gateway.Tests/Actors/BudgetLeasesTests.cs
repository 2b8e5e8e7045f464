using ActorRelay.Actors.Ledger;
using ActorRelay.Core.Ledger;
using ActorRelay.Gateway.Actors;
using ActorRelay.Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

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
        var leases = await FirstCallLeasedAsync(ledger);
        Assert.Equal(1, ledger.Asked);

        // The lease holds 10; after 6 calls 4 are left, below half: a top-up goes out, and the calls after it do not wait.
        TakeLocally(leases, ledger, calls: 5);
        await ledger.WaitForAskAsync(2);
        TakeLocally(leases, ledger, calls: 4);

        Assert.False(TryTake(leases, ledger));
        Assert.Equal(2, ledger.Asked);
        ledger.AnswerNext();
        await Eventually.TrueAsync(() => TryTake(leases, ledger), "the top-up's grant is spent");
        Assert.Equal(80m, ledger.Remaining);
    }

    [Fact]
    public async Task ALeaseTheBudgetCutShort_IsNotToppedUpAhead_SoAnExhaustedBudgetIsNotAskedOverAndOver()
    {
        var ledger = new ScriptedLedger(remaining: 6m);
        var leases = await FirstCallLeasedAsync(ledger);

        TakeLocally(leases, ledger, calls: 5);

        Assert.False(TryTake(leases, ledger));
        Assert.Equal(1, ledger.Asked);
    }

    [Fact]
    public async Task ACallThatGivesUpWaiting_DoesNotFailTheOthersWaitingForTheSameTopUp()
    {
        var ledger = new ScriptedLedger(remaining: 100m);
        var leases = new BudgetLeases(TimeProvider.System, NullLogger<BudgetLeases>.Instance);
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

    [Fact]
    public async Task ATopUpAskedAheadThatFails_IsLogged_AndALaterCallAsksAgain()
    {
        var ledger = new ScriptedLedger(remaining: 100m);
        var logs = new CapturingLoggerProvider();
        using var loggers = new LoggerFactory([logs]);
        var leases = await FirstCallLeasedAsync(ledger, loggers.CreateLogger<BudgetLeases>());
        TakeLocally(leases, ledger, calls: 5);
        await ledger.WaitForAskAsync(2);

        // No call waits for a top-up asked ahead: its failure would otherwise go unseen.
        ledger.FailNext(new TimeoutException("The tenant ledger did not answer."));
        await Eventually.TrueAsync(
            () => logs.Entries.Any(entry => entry.Level == LogLevel.Warning
                && entry.Message.Contains("tenant t ", StringComparison.Ordinal) && entry.Message.Contains("did not answer", StringComparison.Ordinal)),
            "the failed top-up is logged");

        await Eventually.TrueAsync(() => TryTake(leases, ledger) && ledger.Asked >= 3, "a call from what the lease still holds asks for a top-up again");
    }

    /// <summary>A node whose first call waited for the ledger's first grant and was admitted.</summary>
    private static async Task<BudgetLeases> FirstCallLeasedAsync(ScriptedLedger ledger, ILogger<BudgetLeases>? log = null)
    {
        var leases = new BudgetLeases(TimeProvider.System, log ?? NullLogger<BudgetLeases>.Instance);
        var first = leases.ReserveAsync("t", null, CallCost, LeaseCalls, ledger.Ask, TestContext.Current.CancellationToken);
        await ledger.WaitForAskAsync(1);
        ledger.AnswerNext();
        Assert.True((await first).Admitted);
        return leases;
    }

    private static bool TryTake(BudgetLeases leases, ScriptedLedger ledger) => leases.TryReserve("t", null, CallCost, LeaseCalls, ledger.Ask, out _);

    private static void TakeLocally(BudgetLeases leases, ScriptedLedger ledger, int calls)
    {
        for (var call = 0; call < calls; call++)
        {
            Assert.True(TryTake(leases, ledger), "the call is admitted from the node's lease without waiting for the ledger");
        }
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

        public void FailNext(Exception failure)
        {
            lock (_gate)
            {
                _asks.Dequeue().Reply.SetException(failure);
            }
        }

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
