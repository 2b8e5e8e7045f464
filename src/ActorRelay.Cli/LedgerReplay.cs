using ActorRelay.Actors.Hosting;
using ActorRelay.Actors.Ledger;
using ActorRelay.Core.Ledger;
using ActorRelay.Core.Pricing;
using ActorRelay.Core.Reporting;
using Akka.Actor;
using Akka.Hosting;
using Akka.Streams;
using Akka.Streams.Dsl;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ActorRelay.Cli;

/// <summary>What a replay counted: the same totals the live ledger reports, or the re-priced ones.</summary>
public sealed record ReplayResult(long Events, UsageTotals Totals, long Unpriced, string? PriceVersion);

/// <summary>
/// Replays the ledger from the journal through Akka.Persistence.Query (no cluster: a plain ActorSystem with the
/// journal plugin and ActorRelay's serializer), folds it with the same <see cref="UsageAggregator"/> the HTTP
/// reports use, and writes it out. Events stream through in batches, so memory stays flat on any ledger size.
/// </summary>
public static class LedgerReplay
{
    private const int BatchSize = 5_000;

    public static async Task<ReplayResult> RunAsync(ReplayOptions options, TextWriter standardOutput, TextWriter progressOutput, CancellationToken cancellationToken)
    {
        var reprice = options.PricesFile is null ? null : LoadPrices(options.PricesFile);
        var aggregator = new UsageAggregator(options.GroupBy, options.Filter, reprice);
        var expected = options.ShowProgress ? await LedgerJournal.CountAsync(options.Journal, cancellationToken) : null;
        var progress = options.ShowProgress ? new ProgressBar(progressOutput, expected) : null;

        using var host = BuildHost(options.Journal);
        await host.StartAsync(cancellationToken);
        try
        {
            var system = host.Services.GetRequiredService<ActorSystem>();
            var (entries, events) = (0L, 0L);
            await using (var writer = await ReplayWriter.CreateAsync(options, standardOutput, cancellationToken))
            {
                (entries, events) = await LedgerJournal.CurrentEntries(system)
                    .Grouped(BatchSize)
                    .SelectAsync(1, async group =>
                    {
                        var calls = group.SelectMany(entry => entry).ToList();
                        var counted = calls.Select(aggregator.Add).OfType<LedgerEvents.CostRecorded>().ToList();
                        if (options.GroupBy.Count == 0 && counted.Count > 0)
                        {
                            await writer.WriteEventsAsync(counted, cancellationToken);
                        }

                        return (Entries: (long)group.Count(), Calls: (long)calls.Count);
                    })
                    .Scan((Entries: 0L, Calls: 0L), (total, group) => (total.Entries + group.Entries, total.Calls + group.Calls))
                    .Select(total =>
                    {
                        progress?.Report(total.Entries, total.Calls);
                        return total;
                    })
                    .RunAggregate((Entries: 0L, Calls: 0L), (_, total) => total, system.Materializer());

                if (options.GroupBy.Count > 0)
                {
                    await writer.WriteRowsAsync(aggregator.Rows(), cancellationToken);
                }
            }

            progress?.Complete(entries, events);
            return new ReplayResult(events, aggregator.Totals, aggregator.Unpriced, reprice?.Version);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>A price table file: an appsettings-style file with <c>ActorRelay:Prices</c>, or just <c>{"Version":..,"Models":{..},"Channels":{..}}</c>.</summary>
    public static PriceTable LoadPrices(string path)
    {
        var configuration = new ConfigurationBuilder().AddJsonFile(Path.GetFullPath(path), optional: false).Build();
        var prices = configuration.GetSection("ActorRelay:Prices");
        IConfiguration section = prices.Exists() ? prices : configuration;

        var version = section["Version"] ?? throw new InvalidDataException($"{path} has no price table Version.");
        var models = section.GetSection("Models").Get<Dictionary<string, ModelPrice>>() ?? [];
        var channels = section.GetSection("Channels").Get<Dictionary<string, Dictionary<string, ModelPrice>>>() ?? [];
        return new PriceTable(version, models, channels);
    }

    private static IHost BuildHost(JournalOptions journal)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddAkka("actorrelay-replay", akka => akka.AddActorRelayJournal(journal));
        return builder.Build();
    }
}
