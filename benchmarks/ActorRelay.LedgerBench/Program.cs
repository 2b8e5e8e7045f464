using System.Diagnostics;
using System.Globalization;
using ActorRelay.Actors.Hosting;
using ActorRelay.Actors.Ledger;
using ActorRelay.Core.Ledger;
using Akka.Actor;
using Akka.Hosting;
using Akka.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// dotnet run -c Release --project benchmarks/ActorRelay.LedgerBench -- [events] [tenants] [sqlite|postgresql] [connection] [calls-per-batch]
// Bills `events` calls through `tenants` tenant ledger actors in RecordCosts batches of `calls-per-batch` (one journal
// entry each, acknowledged after the write, as a gateway node's ledger agent sends them), then replays every call
// through Akka.Persistence.Query.
var events = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20_000;
var tenants = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 16;
var provider = args.Length > 2 ? Enum.Parse<JournalProvider>(args[2], ignoreCase: true) : JournalProvider.Sqlite;
var perBatch = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 100;
var run = Guid.NewGuid().ToString("N")[..8];
var database = Path.Combine(Path.GetTempPath(), $"actorrelay-ledgerbench-{Guid.NewGuid():N}.db");
var journal = new JournalOptions
{
    Provider = provider,
    ConnectionString = args.Length > 3 ? args[3] : $"Data Source={database}",
};

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
builder.Logging.AddConsole().SetMinimumLevel(LogLevel.Warning);
builder.Services.AddAkka("ledger-bench", akka => akka.AddActorRelayJournal(journal));
using var host = builder.Build();
await host.StartAsync();
var system = host.Services.GetRequiredService<ActorSystem>();
var ledgers = Enumerable.Range(0, tenants)
    .Select(i => system.ActorOf(Props.Create(() => new TenantLedgerActor($"bench-{run}-{i}")), $"ledger-{i}"))
    .ToArray();

// Warm up the journal (table creation, connection pools, JIT).
await Task.WhenAll(ledgers.Select((ledger, i) => ledger.Ask<LedgerCommands.CostsAck>(Record(run, i, [$"warm-{i}"]), TimeSpan.FromSeconds(30))));

var cpu = Process.GetCurrentProcess().TotalProcessorTime;
var clock = Stopwatch.StartNew();
const int InFlightPerTenant = 2;
await Task.WhenAll(Enumerable.Range(0, tenants).Select(async tenant =>
{
    var batches = Enumerable.Range(0, events).Where(n => n % tenants == tenant).Select(n => $"r{n}").Chunk(perBatch).ToArray();
    foreach (var inFlight in batches.Chunk(InFlightPerTenant))
    {
        await Task.WhenAll(inFlight.Select(batch => ledgers[tenant].Ask<LedgerCommands.CostsAck>(Record(run, tenant, batch), TimeSpan.FromSeconds(60))));
    }
}));
var writeSeconds = clock.Elapsed.TotalSeconds;
var writeCpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;

clock.Restart();
var replayed = await LedgerJournal.CurrentCosts(system).RunAggregate(0L, (count, _) => count + 1, system.Materializer());
var replaySeconds = clock.Elapsed.TotalSeconds;

Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
    journal: {provider}; events: {events:N0} over {tenants} tenant ledgers, batches of {perBatch} calls, {InFlightPerTenant} batches in flight per tenant
    write:  {events / writeSeconds:N0} events/s persisted and acknowledged ({writeSeconds:N2} s, {writeCpu / events * 1000:N3} ms CPU per event)
    replay: {replayed / replaySeconds:N0} events/s through Akka.Persistence.Query ({replayed:N0} events incl. warm-up, {replaySeconds:N2} s)
    """));

await host.StopAsync();
Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
File.Delete(database);

static LedgerCommands.RecordCosts Record(string run, int tenant, IEnumerable<string> requestIds)
{
    var now = DateTimeOffset.UtcNow;
    var tenantId = $"bench-{run}-{tenant}";
    return new LedgerCommands.RecordCosts(tenantId, now.UtcTicks, requestIds.Select(requestId => new LedgerCommands.LeasedCost(new LedgerEvents.CostRecorded(
        requestId, tenantId, "gpt-4o-mini", "openai", "gpt-4o-mini", 1_200, 350, 0, false, 0.00039m, "bench",
        CallStatus.Succeeded, 200, true, now, now, "project", "key_bench", new Dictionary<string, string> { ["team"] = "bench" }), null)).ToList());
}
