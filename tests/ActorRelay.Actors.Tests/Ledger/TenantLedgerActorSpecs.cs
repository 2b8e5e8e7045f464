using ActorRelay.Actors.Ledger;
using ActorRelay.Actors.Serialization;
using ActorRelay.Core;
using ActorRelay.Core.Ledger;
using Akka;
using Akka.Actor;
using Akka.Persistence;
using Akka.Hosting;
using Akka.Hosting.TestKit;
using Akka.Persistence.Sql.Hosting;
using ActorRelay.TestSupport;
using LinqToDB;

namespace ActorRelay.Actors.Tests.Ledger;

/// <summary>The SQLite journal: the embedded default.</summary>
public sealed class TenantLedgerActorSqliteSpecs(ITestOutputHelper output) : TenantLedgerActorSpecs(output)
{
    private readonly string _database = Path.Combine(Path.GetTempPath(), $"actorrelay-ledger-{Guid.NewGuid():N}.db");

    protected override (string ConnectionString, string ProviderName) Journal => ($"Data Source={_database}", ProviderName.SQLiteMS);

    protected override async Task AfterAllAsync()
    {
        await base.AfterAllAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        File.Delete(_database);
    }
}

/// <summary>The same specs on a real PostgreSQL: the cluster journal.</summary>
public sealed class TenantLedgerActorPostgreSqlSpecs(ITestOutputHelper output) : TenantLedgerActorSpecs(output)
{
    // ConfigureAkka is synchronous, so the database is created synchronously, once, during host set-up.
    private readonly Lazy<string> _connectionString = new(() => PostgresServer.CreateDatabaseAsync().GetAwaiter().GetResult());

    protected override (string ConnectionString, string ProviderName) Journal => (_connectionString.Value, ProviderName.PostgreSQL15);
}

/// <summary>The tenant ledger against a real SQL journal, with ActorRelay's own serializer.</summary>
public abstract class TenantLedgerActorSpecs(ITestOutputHelper output) : TestKit(output: output)
{
    protected abstract (string ConnectionString, string ProviderName) Journal { get; }

    protected override void ConfigureAkka(AkkaConfigurationBuilder builder, IServiceProvider provider) =>
        builder
            .WithCustomSerializer(ActorRelaySerializer.SerializerName, [typeof(IActorRelayMessage)], system => new ActorRelaySerializer(system))
            .WithSqlPersistence(connectionString: Journal.ConnectionString, providerName: Journal.ProviderName, autoInitialize: true);

    internal static LedgerEvents.CostRecorded Cost(string requestId, decimal cost = 0.001m, string model = "m") => new(
        requestId, "t1", model, "channel", "vendor-model", 100, 50, 0, false, cost, "v1",
        CallStatus.Succeeded, 200, true, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow);

    private IActorRef Ledger() => Sys.ActorOf(Props.Create(() => new TenantLedgerActor("t1")));

    private static Task<LedgerCommands.CostsAck> RecordAsync(IActorRef ledger, long batch, params LedgerEvents.CostRecorded[] costs) =>
        ledger.Ask<LedgerCommands.CostsAck>(
            new LedgerCommands.RecordCosts("t1", batch, costs.Select(cost => new LedgerCommands.LeasedCost(cost, null)).ToList()), TimeSpan.FromSeconds(10));

    private static Task<LedgerCommands.BudgetLeased> LeaseAsync(IActorRef ledger, string leaseId, decimal want, decimal minimum) =>
        ledger.Ask<LedgerCommands.BudgetLeased>(new LedgerCommands.LeaseBudget("t1", leaseId, null, want, minimum, 60), TimeSpan.FromSeconds(10));

    private static Task SetBudgetAsync(IActorRef ledger, decimal limit, BudgetPeriod period = BudgetPeriod.Monthly) =>
        ledger.Ask<LedgerQueries.BudgetsReport>(new LedgerCommands.SetBudget("t1", null, new BudgetSpec(limit, period, BudgetMode.Hard)), TimeSpan.FromSeconds(10));

    private async Task StopAsync(IActorRef actor)
    {
        Watch(actor);
        actor.Tell(PoisonPill.Instance);
        await ExpectTerminatedAsync(actor);
    }

    [Fact]
    public async Task RecordCosts_AcknowledgesAfterPersistAndSumsTotals()
    {
        var ledger = Ledger();

        var first = await RecordAsync(ledger, 1, Cost("a", 0.25m), Cost("b", 0.50m, "m2"));
        await RecordAsync(ledger, 2, Cost("c", 0.25m));
        var report = await ledger.Ask<LedgerQueries.UsageReport>(new LedgerQueries.GetUsage("t1"));

        Assert.Equal(new LedgerCommands.CostsAck("t1", 1, 0), first);
        Assert.Equal(new UsageTotals(3, 300, 150, 0, 1.00m), report.Totals);
        Assert.Equal(0.50m, report.ByModel["m2"].Cost);
    }

    [Fact]
    public async Task RecordCosts_BatchSentAgain_BillsEveryRequestIdOnce()
    {
        var ledger = Ledger();

        await RecordAsync(ledger, 1, Cost("same", 1m), Cost("other", 1m));
        var retry = await RecordAsync(ledger, 1, Cost("same", 1m), Cost("other", 1m), Cost("new", 1m));
        var report = await ledger.Ask<LedgerQueries.UsageReport>(new LedgerQueries.GetUsage("t1"));

        Assert.Equal(2, retry.Duplicates);
        Assert.Equal(3, report.Totals.Requests);
        Assert.Equal(3m, report.Totals.Cost);
    }

    [Fact]
    public async Task Restart_RecoversTotalsAndDeduplicationFromJournal()
    {
        var ledger = Ledger();
        await RecordAsync(ledger, 1, Cost("a", 0.1m));
        await RecordAsync(ledger, 2, Cost("b", 0.2m));
        await StopAsync(ledger);

        var revived = Ledger();
        var duplicate = await RecordAsync(revived, 3, Cost("a", 0.1m));
        var report = await revived.Ask<LedgerQueries.UsageReport>(new LedgerQueries.GetUsage("t1"));

        Assert.Equal(1, duplicate.Duplicates);
        Assert.Equal(2, report.Totals.Requests);
        Assert.Equal(0.3m, report.Totals.Cost);
    }

    [Fact]
    public async Task Restart_JournalWithOneEventPerCall_RecoversItsTotals()
    {
        // Journals written before calls were grouped hold one CostRecorded per call: they must replay unchanged.
        var writer = Sys.ActorOf(Props.Create(() => new SingleEventWriter("ledger-t1")));
        await writer.Ask<Done>(Cost("old-1", 0.5m), TimeSpan.FromSeconds(10));
        await writer.Ask<Done>(Cost("old-2", 0.25m), TimeSpan.FromSeconds(10));
        await StopAsync(writer);

        var ledger = Ledger();
        var duplicate = await RecordAsync(ledger, 1, Cost("old-1", 0.5m), Cost("new", 1m));
        var report = await ledger.Ask<LedgerQueries.UsageReport>(new LedgerQueries.GetUsage("t1"));

        Assert.Equal(1, duplicate.Duplicates);
        Assert.Equal(3, report.Totals.Requests);
        Assert.Equal(1.75m, report.Totals.Cost);
    }

    /// <summary>
    /// A node's batch was persisted but its acknowledgement lost; by the time the node resends it, other nodes have billed
    /// more calls than the request-id window holds. The ledger still knows the batch by its sender and number, before
    /// and after recovering from its snapshot and journal.
    /// </summary>
    [Fact]
    public async Task RecordCosts_ABatchResentAfterTheIdWindowMovedOn_IsNotBilledAgain_AlsoAfterARestart()
    {
        var lost = new LedgerCommands.RecordCosts("t1", 7, [new LedgerCommands.LeasedCost(Cost("first", 0.25m), null)], "node-a");
        var ledger = Ledger();
        await ledger.Ask<LedgerCommands.CostsAck>(lost, TimeSpan.FromSeconds(10));
        var batch = 0L;
        foreach (var others in Enumerable.Range(0, LedgerState.DeduplicationWindow).Chunk(10_000))
        {
            var costs = others.Select(n => new LedgerCommands.LeasedCost(Cost($"other-{n}", 0m), null)).ToList();
            await ledger.Ask<LedgerCommands.CostsAck>(new LedgerCommands.RecordCosts("t1", ++batch, costs, "node-b"), TimeSpan.FromSeconds(60));
        }

        var resent = await ledger.Ask<LedgerCommands.CostsAck>(lost, TimeSpan.FromSeconds(10));
        await StopAsync(ledger);
        var revived = Ledger();
        var resentAfterRestart = await revived.Ask<LedgerCommands.CostsAck>(lost, TimeSpan.FromSeconds(30));
        var report = await revived.Ask<LedgerQueries.UsageReport>(new LedgerQueries.GetUsage("t1"), TimeSpan.FromSeconds(10));

        Assert.Equal(new LedgerCommands.CostsAck("t1", 7, 1), resent);
        Assert.Equal(new LedgerCommands.CostsAck("t1", 7, 1), resentAfterRestart);
        Assert.Equal(LedgerState.DeduplicationWindow + 1, report.Totals.Requests);
        Assert.Equal(0.25m, report.Totals.Cost);
    }

    [Fact]
    public async Task Restart_AfterSnapshot_RecoversExactTotals()
    {
        const int calls = 20_250;
        const int batch = 500;
        var ledger = Ledger();
        for (var i = 0; i < calls; i += batch)
        {
            var costs = Enumerable.Range(i, Math.Min(batch, calls - i)).Select(n => new LedgerCommands.LeasedCost(Cost($"r{n}", 0.000123m), null)).ToList();
            ledger.Tell(new LedgerCommands.RecordCosts("t1", i, costs), ActorRefs.NoSender);
        }

        var before = await ledger.Ask<LedgerQueries.UsageReport>(new LedgerQueries.GetUsage("t1"), TimeSpan.FromSeconds(60));
        await StopAsync(ledger);

        var after = await Ledger().Ask<LedgerQueries.UsageReport>(new LedgerQueries.GetUsage("t1"), TimeSpan.FromSeconds(30));

        Assert.Equal(calls, before.Totals.Requests);
        Assert.Equal(before.Totals, after.Totals);
        Assert.Equal(calls * 0.000123m, after.Totals.Cost);
    }

    [Fact]
    public async Task LeaseBudget_AgainstHardBudget_GrantsWhatIsLeftAndSettledCostsComeOffTheLease()
    {
        var ledger = Ledger();
        await SetBudgetAsync(ledger, 1m);

        var first = await LeaseAsync(ledger, "node-a", 0.6m, 0.1m);
        var second = await LeaseAsync(ledger, "node-b", 0.6m, 0.1m);
        var refused = await LeaseAsync(ledger, "node-c", 0.2m, 0.1m);
        await ledger.Ask<LedgerCommands.CostsAck>(
            new LedgerCommands.RecordCosts("t1", 1, [new LedgerCommands.LeasedCost(Cost("a", 0.1m), "node-a")]), TimeSpan.FromSeconds(10));
        var afterCost = Assert.Single((await ledger.Ask<LedgerQueries.BudgetsReport>(new LedgerQueries.GetBudgets("t1"))).Budgets);
        ledger.Tell(new LedgerCommands.ReturnBudget("t1", "node-a", null));
        var third = await LeaseAsync(ledger, "node-c", 0.2m, 0.1m);

        Assert.Equal((ReserveOutcome.Granted, 0.6m, true), (first.Outcome, first.Granted, first.Bounded));
        Assert.Equal((ReserveOutcome.Granted, 0.4m), (second.Outcome, second.Granted));
        Assert.Equal(ReserveOutcome.Denied, refused.Outcome);
        Assert.Equal(1m, refused.Budget!.Reserved);
        Assert.Equal((0.1m, 0.9m), (afterCost.Spent, afterCost.Reserved));
        Assert.Equal((ReserveOutcome.Granted, 0.2m), (third.Outcome, third.Granted));
    }

    [Fact]
    public async Task LeaseBudget_NoBudget_HoldsNothingAndSetBudgetTellsTheLessee()
    {
        var ledger = Ledger();
        var node = CreateTestProbe();

        ledger.Tell(new LedgerCommands.LeaseBudget("t1", "node-a", null, 5m, 1m, 60), node.Ref);
        var unbounded = await node.ExpectMsgAsync<LedgerCommands.BudgetLeased>();
        await SetBudgetAsync(ledger, 2m);
        var changed = await node.ExpectMsgAsync<LedgerCommands.BudgetChanged>();
        ledger.Tell(new LedgerCommands.RenewBudgetLease("t1", "node-a", 60), node.Ref);
        var renewed = await node.ExpectMsgAsync<LedgerCommands.BudgetLeaseRenewed>();

        Assert.Equal((false, 0m), (unbounded.Bounded, unbounded.Granted));
        Assert.True(changed.BudgetVersion > unbounded.BudgetVersion);
        Assert.Equal((false, changed.BudgetVersion), (renewed.Known, renewed.BudgetVersion));
    }

    [Fact]
    public async Task Restart_KeepsBudgetAndSpending_ForgetsLeases()
    {
        var ledger = Ledger();
        await SetBudgetAsync(ledger, 1m, BudgetPeriod.Total);
        await LeaseAsync(ledger, "node-a", 0.2m, 0.2m);
        await RecordAsync(ledger, 1, Cost("a", 0.7m));
        await StopAsync(ledger);

        var revived = Ledger();
        var denied = await LeaseAsync(revived, "node-b", 0.5m, 0.5m);
        var renewed = await revived.Ask<LedgerCommands.BudgetLeaseRenewed>(new LedgerCommands.RenewBudgetLease("t1", "node-a", 60), TimeSpan.FromSeconds(10));

        Assert.Equal(ReserveOutcome.Denied, denied.Outcome);
        Assert.Equal((0.7m, 0m), (denied.Budget!.Spent, denied.Budget.Reserved));
        Assert.False(renewed.Known);
    }

    /// <summary>Persists tagged <see cref="LedgerEvents.CostRecorded"/> events one by one, as the ledger did before it grouped calls.</summary>
    private sealed class SingleEventWriter : ReceivePersistentActor
    {
        public SingleEventWriter(string persistenceId)
        {
            PersistenceId = persistenceId;
            Command<LedgerEvents.CostRecorded>(cost =>
            {
                var sender = Sender;
                Persist(new Akka.Persistence.Journal.Tagged(cost, [TenantLedgerActor.CostTag]), _ => sender.Tell(Done.Instance));
            });
        }

        public override string PersistenceId { get; }
    }
}
