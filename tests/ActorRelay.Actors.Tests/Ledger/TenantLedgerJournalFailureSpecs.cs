using ActorRelay.Actors.Ledger;
using ActorRelay.Actors.Serialization;
using ActorRelay.Core;
using ActorRelay.Core.Ledger;
using Akka.Actor;
using Akka.Hosting;
using Akka.Hosting.TestKit;
using Akka.Persistence;
using Akka.Persistence.TestKit;

namespace ActorRelay.Actors.Tests.Ledger;

/// <summary>The tenant ledger against a journal whose writes fail (Akka.Persistence.TestKit's journal).</summary>
public sealed class TenantLedgerJournalFailureSpecs(ITestOutputHelper output) : TestKit(output: output)
{
    protected override void ConfigureAkka(AkkaConfigurationBuilder builder, IServiceProvider provider) =>
        builder
            .WithCustomSerializer(ActorRelaySerializer.SerializerName, [typeof(IActorRelayMessage)], system => new ActorRelaySerializer(system))
            .AddHocon("""
                akka.persistence.journal.plugin = "akka.persistence.journal.test"
                akka.persistence.journal.test {
                  class = "Akka.Persistence.TestKit.TestJournal, Akka.Persistence.TestKit"
                  plugin-dispatcher = "akka.actor.default-dispatcher"
                }
                akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
                """, HoconAddMode.Prepend);

    /// <summary>
    /// A node resends a batch while the ledger's write of it is still under way (the write is slow), and the write then
    /// fails. The resend must not be acknowledged as "already billed" before the write is done, or the node would drop a
    /// batch that never reached the journal; unacknowledged, it is sent again and billed once.
    /// </summary>
    [Fact]
    public async Task RecordCosts_ResentWhileItsWriteIsUnderWay_IsAcknowledgedOnlyAfterTheWrite_SoAFailedWriteIsBilledOnTheNextResend()
    {
        var batch = new LedgerCommands.RecordCosts("t1", 1, [new LedgerCommands.LeasedCost(TenantLedgerActorSpecs.Cost("call-1", 0.25m), null)], "node-a");
        var journal = TestJournal.FromRef(Persistence.Instance.Apply(Sys).JournalFor(null));
        var ledger = Sys.ActorOf(Props.Create(() => new TenantLedgerActor("t1")));
        await ledger.Ask<LedgerQueries.UsageReport>(new LedgerQueries.GetUsage("t1"), TimeSpan.FromSeconds(10));
        await journal.OnWrite.FailWithDelay(TimeSpan.FromSeconds(1));
        var first = CreateTestProbe();
        var resend = CreateTestProbe();
        Watch(ledger);

        ledger.Tell(batch, first.Ref);
        ledger.Tell(batch, resend.Ref);

        await ExpectTerminatedAsync(ledger, TimeSpan.FromSeconds(10));
        await first.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
        await resend.ExpectNoMsgAsync(TimeSpan.Zero);
        await journal.OnWrite.Pass();
        var revived = Sys.ActorOf(Props.Create(() => new TenantLedgerActor("t1")));
        var ack = await revived.Ask<LedgerCommands.CostsAck>(batch, TimeSpan.FromSeconds(10));
        var report = await revived.Ask<LedgerQueries.UsageReport>(new LedgerQueries.GetUsage("t1"), TimeSpan.FromSeconds(10));

        Assert.Equal(new LedgerCommands.CostsAck("t1", 1, 0), ack);
        Assert.Equal(1, report.Totals.Requests);
        Assert.Equal(0.25m, report.Totals.Cost);
    }
}
