using System.Collections.Concurrent;
using ActorRelay.Actors.Ledger;
using ActorRelay.Core.Ledger;
using ActorRelay.Gateway.Actors;
using ActorRelay.Gateway.Tests.Infrastructure;
using Akka.Actor;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorRelay.Gateway.Tests.Actors;

/// <summary>This node's ledger agent between the calls settled here and a ledger that acknowledges every batch.</summary>
public sealed class LedgerAgentTests : IAsyncDisposable
{
    private readonly ActorSystem _system = ActorSystem.Create("ledger-agent-tests");
    private readonly ConcurrentQueue<LedgerCommands.RecordCosts> _batches = new();
    private readonly SettledCalls _settled = new();
    private readonly IActorRef _agent;
    private int _told;

    public LedgerAgentTests()
    {
        var ledger = _system.ActorOf(Props.Create(() => new AcknowledgingLedger(_batches)));
        _agent = _system.ActorOf(Props.Create(() => new LedgerAgent(ledger, new BudgetLeases(TimeProvider.System, NullLogger<BudgetLeases>.Instance), _settled, TimeSpan.FromMilliseconds(300))));
    }

    [Fact]
    public async Task SettledCalls_AreBilledInBatchesOfAtMost128_AfterOneMessageToTheAgent()
    {
        Settle("a", 300);

        await Eventually.TrueAsync(() => Billed("a") == 300, "all 300 calls are billed");
        Assert.Equal(1, _told);
        Assert.All(_batches, batch => Assert.InRange(batch.Costs.Count, 1, LedgerAgent.MaxBatch));
        Assert.Equal(300, _batches.SelectMany(batch => batch.Costs).Select(cost => cost.Cost.RequestId).Distinct().Count());
    }

    [Fact]
    public async Task CallsSettledAfterTheAgentTookTheInbox_TellItAgain_AndAreBilledWithoutAFlush()
    {
        Settle("a", 3);
        await Eventually.TrueAsync(() => Billed("a") == 3, "the first calls are billed");

        Settle("a", 2);
        Settle("b", 1);

        await Eventually.TrueAsync(() => Billed("a") == 5 && Billed("b") == 1, "the later calls are billed too");
        Assert.Equal(2, _told);
    }

    [Fact]
    public async Task AFlush_BillsTheCallsSettledBeforeIt_WithoutWaitingForTheBatchInterval()
    {
        Settle("a", 4);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        _agent.Tell(new LedgerAgent.Flush("a", done));

        await done.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.Equal(4, Billed("a"));
    }

    public async ValueTask DisposeAsync() => await _system.Terminate();

    private int Billed(string tenantId) => _batches.Where(batch => batch.TenantId == tenantId).Sum(batch => batch.Costs.Count);

    private void Settle(string tenantId, int calls)
    {
        for (var call = 0; call < calls; call++)
        {
            var cost = new LedgerEvents.CostRecorded($"{tenantId}-{Guid.NewGuid():N}", tenantId, "m", "c", "vm", 10, 5, 0, false, 0.01m, "p1",
                CallStatus.Succeeded, 200, false, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);
            if (_settled.Add(tenantId, new LedgerCommands.LeasedCost(cost, null)))
            {
                Interlocked.Increment(ref _told);
                _agent.Tell(SettledCalls.Waiting.Instance);
            }
        }
    }

    private sealed class AcknowledgingLedger : ReceiveActor
    {
        public AcknowledgingLedger(ConcurrentQueue<LedgerCommands.RecordCosts> batches) =>
            Receive<LedgerCommands.RecordCosts>(record =>
            {
                batches.Enqueue(record);
                Sender.Tell(new LedgerCommands.CostsAck(record.TenantId, record.BatchId, 0));
            });
    }
}
