using ActorRelay.Actors.Ledger;
using ActorRelay.Actors.Serialization;
using ActorRelay.Core;
using ActorRelay.Core.Ledger;
using Akka.Actor;
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

    private async Task StopAsync(IActorRef actor)
    {
        Watch(actor);
        actor.Tell(PoisonPill.Instance);
        await ExpectTerminatedAsync(actor);
    }

    [Fact]
    public async Task RecordCost_AcknowledgesAfterPersistAndSumsTotals()
    {
        var ledger = Ledger();

        var first = await ledger.Ask<LedgerCommands.CostAck>(new LedgerCommands.RecordCost("t1", Cost("a", 0.25m)), TimeSpan.FromSeconds(10));
        await ledger.Ask<LedgerCommands.CostAck>(new LedgerCommands.RecordCost("t1", Cost("b", 0.50m, "m2")), TimeSpan.FromSeconds(10));
        var report = await ledger.Ask<LedgerQueries.UsageReport>(new LedgerQueries.GetUsage("t1"));

        Assert.False(first.Duplicate);
        Assert.Equal(new UsageTotals(2, 200, 100, 0, 0.75m), report.Totals);
        Assert.Equal(0.50m, report.ByModel["m2"].Cost);
    }

    [Fact]
    public async Task RecordCost_SameRequestIdTwice_BillsOnce()
    {
        var ledger = Ledger();

        await ledger.Ask<LedgerCommands.CostAck>(new LedgerCommands.RecordCost("t1", Cost("same", 1m)), TimeSpan.FromSeconds(10));
        var retry = await ledger.Ask<LedgerCommands.CostAck>(new LedgerCommands.RecordCost("t1", Cost("same", 1m)), TimeSpan.FromSeconds(10));
        var report = await ledger.Ask<LedgerQueries.UsageReport>(new LedgerQueries.GetUsage("t1"));

        Assert.True(retry.Duplicate);
        Assert.Equal(1, report.Totals.Requests);
        Assert.Equal(1m, report.Totals.Cost);
    }

    [Fact]
    public async Task Restart_RecoversTotalsAndDeduplicationFromJournal()
    {
        var ledger = Ledger();
        await ledger.Ask<LedgerCommands.CostAck>(new LedgerCommands.RecordCost("t1", Cost("a", 0.1m)), TimeSpan.FromSeconds(10));
        await ledger.Ask<LedgerCommands.CostAck>(new LedgerCommands.RecordCost("t1", Cost("b", 0.2m)), TimeSpan.FromSeconds(10));
        await StopAsync(ledger);

        var revived = Ledger();
        var duplicate = await revived.Ask<LedgerCommands.CostAck>(new LedgerCommands.RecordCost("t1", Cost("a", 0.1m)), TimeSpan.FromSeconds(10));
        var report = await revived.Ask<LedgerQueries.UsageReport>(new LedgerQueries.GetUsage("t1"));

        Assert.True(duplicate.Duplicate);
        Assert.Equal(2, report.Totals.Requests);
        Assert.Equal(0.3m, report.Totals.Cost);
    }

    [Fact]
    public async Task Restart_AfterSnapshot_RecoversExactTotals()
    {
        const int calls = 1_005;
        var ledger = Ledger();
        for (var i = 0; i < calls; i++)
        {
            ledger.Tell(new LedgerCommands.RecordCost("t1", Cost($"r{i}", 0.000123m)), ActorRefs.NoSender);
        }

        var before = await ledger.Ask<LedgerQueries.UsageReport>(new LedgerQueries.GetUsage("t1"), TimeSpan.FromSeconds(60));
        await StopAsync(ledger);

        var after = await Ledger().Ask<LedgerQueries.UsageReport>(new LedgerQueries.GetUsage("t1"), TimeSpan.FromSeconds(30));

        Assert.Equal(calls, before.Totals.Requests);
        Assert.Equal(before.Totals, after.Totals);
        Assert.Equal(calls * 0.000123m, after.Totals.Cost);
    }

    [Fact]
    public async Task Reserve_AgainstHardBudget_GrantsUntilFullAndSettleReleases()
    {
        var ledger = Ledger();
        await ledger.Ask<LedgerQueries.BudgetsReport>(new LedgerCommands.SetBudget("t1", null, new BudgetSpec(1m, BudgetPeriod.Monthly, BudgetMode.Hard)), TimeSpan.FromSeconds(10));

        var first = await ledger.Ask<LedgerCommands.ReserveReply>(new LedgerCommands.Reserve("t1", "a", null, 0.6m, 60));
        var second = await ledger.Ask<LedgerCommands.ReserveReply>(new LedgerCommands.Reserve("t1", "b", null, 0.6m, 60));
        await ledger.Ask<LedgerCommands.CostAck>(new LedgerCommands.RecordCost("t1", Cost("a", 0.1m)), TimeSpan.FromSeconds(10));
        var third = await ledger.Ask<LedgerCommands.ReserveReply>(new LedgerCommands.Reserve("t1", "c", null, 0.6m, 60));
        var budgets = await ledger.Ask<LedgerQueries.BudgetsReport>(new LedgerQueries.GetBudgets("t1"));

        Assert.Equal(ReserveOutcome.Granted, first.Outcome);
        Assert.Equal(ReserveOutcome.Denied, second.Outcome);
        Assert.Equal(0.6m, second.Budget!.Reserved);
        Assert.Equal(ReserveOutcome.Granted, third.Outcome);
        Assert.Equal(0.1m, Assert.Single(budgets.Budgets).Spent);
    }

    [Fact]
    public async Task Restart_KeepsBudgetAndSpending()
    {
        var ledger = Ledger();
        await ledger.Ask<LedgerQueries.BudgetsReport>(new LedgerCommands.SetBudget("t1", null, new BudgetSpec(1m, BudgetPeriod.Total, BudgetMode.Hard)), TimeSpan.FromSeconds(10));
        await ledger.Ask<LedgerCommands.CostAck>(new LedgerCommands.RecordCost("t1", Cost("a", 0.7m)), TimeSpan.FromSeconds(10));
        await StopAsync(ledger);

        var revived = Ledger();
        var denied = await revived.Ask<LedgerCommands.ReserveReply>(new LedgerCommands.Reserve("t1", "b", null, 0.5m, 60), TimeSpan.FromSeconds(10));

        Assert.Equal(ReserveOutcome.Denied, denied.Outcome);
        Assert.Equal(0.7m, denied.Budget!.Spent);
    }
}
