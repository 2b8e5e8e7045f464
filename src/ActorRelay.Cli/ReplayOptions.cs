using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using ActorRelay.Actors.Hosting;
using ActorRelay.Core.Reporting;

namespace ActorRelay.Cli;

public enum ReplayFormat
{
    Csv = 0,
    Parquet = 1,
}

/// <summary>What to replay and where to write it; parsed from the command line.</summary>
public sealed record ReplayOptions
{
    public JournalOptions Journal { get; init; } = new();

    /// <summary>A JSON file holding a price table (the <c>ActorRelay:Prices</c> section of an appsettings file, or that section alone).</summary>
    public string? PricesFile { get; init; }

    public IReadOnlyList<UsageDimension> GroupBy { get; init; } = [];

    public UsageFilter Filter { get; init; } = new();

    public ReplayFormat Format { get; init; } = ReplayFormat.Csv;

    /// <summary>The output file; null writes CSV to standard output.</summary>
    public string? Output { get; init; }

    public bool ShowProgress { get; init; } = true;

    public const string Usage = """
        actorrelay-ledger replay [options]

        Replays the cost ledger from the journal (Akka.Persistence.Query), optionally re-priced with another price
        table, and writes every event (or, with --group-by, usage totals) as CSV or Parquet.

          --provider sqlite|postgresql   journal provider (default sqlite)
          --connection <string>          journal connection string (default "Data Source=data/actorrelay.db")
          --prices <file.json>           re-price with this price table ({"Version":..,"Models":{..}} or an appsettings file)
          --group-by <dims>              tenant,project,key,model,channel,vendor_model,day,status,tag:<name>
          --tenant <id> --project <id>   only these events
          --from <date> --to <date>      finished at or after --from, before --to (ISO 8601, UTC)
          --format csv|parquet           output format (default: from the --out extension, else csv)
          --out <file>                   output file (default: CSV to standard output)
          --quiet                        no progress bar
        """;

    public static bool TryParse(string[] args, [NotNullWhen(true)] out ReplayOptions? options, [NotNullWhen(false)] out string? error)
    {
        options = null;
        if (args.Length == 0 || args[0] != "replay")
        {
            error = "Expected the 'replay' command.";
            return false;
        }

        var journal = new JournalOptions();
        var parsed = new ReplayOptions();
        var filter = new UsageFilter();
        ReplayFormat? format = null;
        for (var i = 1; i < args.Length; i++)
        {
            var name = args[i];
            if (name == "--quiet")
            {
                parsed = parsed with { ShowProgress = false };
                continue;
            }

            if (i + 1 >= args.Length)
            {
                error = $"Option {name} needs a value.";
                return false;
            }

            var value = args[++i];
            switch (name)
            {
                case "--provider" when Enum.TryParse<JournalProvider>(value, ignoreCase: true, out var provider):
                    journal = journal with { Provider = provider };
                    break;
                case "--connection":
                    journal = journal with { ConnectionString = value };
                    break;
                case "--prices":
                    parsed = parsed with { PricesFile = value };
                    break;
                case "--group-by":
                    if (!UsageDimension.TryParseList(value, out var dimensions, out error))
                    {
                        return false;
                    }

                    parsed = parsed with { GroupBy = dimensions };
                    break;
                case "--tenant":
                    filter = filter with { TenantId = value };
                    break;
                case "--project":
                    filter = filter with { ProjectId = value };
                    break;
                case "--from" when DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var from):
                    filter = filter with { From = from };
                    break;
                case "--to" when DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var to):
                    filter = filter with { Until = to };
                    break;
                case "--format" when Enum.TryParse<ReplayFormat>(value, ignoreCase: true, out var chosen):
                    format = chosen;
                    break;
                case "--out":
                    parsed = parsed with { Output = value };
                    break;
                default:
                    error = $"Unknown option or bad value: {name} {value}";
                    return false;
            }
        }

        format ??= parsed.Output?.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase) == true ? ReplayFormat.Parquet : ReplayFormat.Csv;
        if (format == ReplayFormat.Parquet && parsed.Output is null)
        {
            error = "Parquet output needs --out <file>.";
            return false;
        }

        options = parsed with { Journal = journal, Filter = filter, Format = format.Value };
        error = null;
        return true;
    }
}
