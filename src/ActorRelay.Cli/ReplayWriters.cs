using System.Text;
using ActorRelay.Core.Ledger;
using ActorRelay.Core.Reporting;
using Parquet;
using Parquet.Schema;

namespace ActorRelay.Cli;

/// <summary>Writes replayed events (in batches, memory-bounded) and usage rows to CSV or Parquet.</summary>
internal abstract class ReplayWriter : IAsyncDisposable
{
    public static async Task<ReplayWriter> CreateAsync(ReplayOptions options, TextWriter standardOutput, CancellationToken cancellationToken)
    {
        Stream? file = options.Output is null ? null : File.Create(options.Output);
        return options.Format == ReplayFormat.Parquet
            ? await ParquetReplayWriter.CreateAsync(file!, options.GroupBy, cancellationToken)
            : new CsvReplayWriter(file is null ? standardOutput : new StreamWriter(file, new UTF8Encoding(false)), options.GroupBy, ownsWriter: file is not null);
    }

    public abstract Task WriteEventsAsync(IReadOnlyList<LedgerEvents.CostRecorded> events, CancellationToken cancellationToken);

    public abstract Task WriteRowsAsync(IReadOnlyList<UsageRow> rows, CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();
}

internal sealed class CsvReplayWriter : ReplayWriter
{
    private readonly TextWriter _writer;
    private readonly bool _ownsWriter;

    public CsvReplayWriter(TextWriter writer, IReadOnlyList<UsageDimension> groupBy, bool ownsWriter)
    {
        _writer = writer;
        _ownsWriter = ownsWriter;
        _writer.Write(groupBy.Count == 0 ? LedgerCsv.EventHeader : LedgerCsv.RowHeader(groupBy));
        _writer.Write('\n');
    }

    public override async Task WriteEventsAsync(IReadOnlyList<LedgerEvents.CostRecorded> events, CancellationToken cancellationToken)
    {
        var batch = new StringBuilder(events.Count * 256);
        foreach (var cost in events)
        {
            batch.Append(LedgerCsv.EventLine(cost)).Append('\n');
        }

        await _writer.WriteAsync(batch, cancellationToken);
    }

    public override async Task WriteRowsAsync(IReadOnlyList<UsageRow> rows, CancellationToken cancellationToken)
    {
        foreach (var row in rows)
        {
            await _writer.WriteAsync((LedgerCsv.RowLine(row) + "\n").AsMemory(), cancellationToken);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await _writer.FlushAsync();
        if (_ownsWriter)
        {
            await _writer.DisposeAsync();
        }
    }
}

internal sealed class ParquetReplayWriter : ReplayWriter
{
    private static readonly DataField<string> RequestId = new("request_id");
    private static readonly DataField<string> Tenant = new("tenant");
    private static readonly DataField<string> Project = new("project");
    private static readonly DataField<string> KeyId = new("key_id");
    private static readonly DataField<string> Model = new("model");
    private static readonly DataField<string> Channel = new("channel");
    private static readonly DataField<string> VendorModel = new("vendor_model");
    private static readonly DataField<long> InputTokens = new("input_tokens");
    private static readonly DataField<long> OutputTokens = new("output_tokens");
    private static readonly DataField<long> CachedTokens = new("cached_tokens");
    private static readonly DataField<bool> UsageEstimated = new("usage_estimated");
    private static readonly DecimalDataField Cost = new("cost", 38, 18);
    private static readonly DataField<string> PriceVersion = new("price_version");
    private static readonly DataField<string> Status = new("status");
    private static readonly DataField<int> HttpStatus = new("http_status");
    private static readonly DataField<bool> Streamed = new("streamed");
    private static readonly DataField<DateTime> StartedAt = new("started_at");
    private static readonly DataField<DateTime> FinishedAt = new("finished_at");
    private static readonly DataField<string> Tags = new("tags");
    private static readonly DataField<long> Requests = new("requests");

    private readonly Stream _file;
    private readonly ParquetWriter _writer;
    private readonly DataField<string>[] _dimensions;

    private ParquetReplayWriter(Stream file, ParquetWriter writer, DataField<string>[] dimensions)
    {
        _file = file;
        _writer = writer;
        _dimensions = dimensions;
    }

    public static async Task<ParquetReplayWriter> CreateAsync(Stream file, IReadOnlyList<UsageDimension> groupBy, CancellationToken cancellationToken)
    {
        var dimensions = groupBy.Select(dimension => new DataField<string>(dimension.Name)).ToArray();
        Field[] fields = groupBy.Count == 0
            ? [RequestId, Tenant, Project, KeyId, Model, Channel, VendorModel, InputTokens, OutputTokens, CachedTokens, UsageEstimated, Cost, PriceVersion, Status, HttpStatus, Streamed, StartedAt, FinishedAt, Tags]
            : [.. dimensions, Requests, InputTokens, OutputTokens, CachedTokens, Cost];
        var writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), file, cancellationToken: cancellationToken);
        return new ParquetReplayWriter(file, writer, dimensions);
    }

    public override async Task WriteEventsAsync(IReadOnlyList<LedgerEvents.CostRecorded> events, CancellationToken cancellationToken)
    {
        using var group = _writer.CreateRowGroup();
        await group.WriteAsync(RequestId, events.Select(cost => cost.RequestId).ToArray());
        await group.WriteAsync(Tenant, events.Select(cost => cost.TenantId).ToArray());
        await group.WriteAsync(Project, events.Select(cost => cost.ProjectId!).ToArray());
        await group.WriteAsync(KeyId, events.Select(cost => cost.KeyId!).ToArray());
        await group.WriteAsync(Model, events.Select(cost => cost.Model).ToArray());
        await group.WriteAsync(Channel, events.Select(cost => cost.ChannelId).ToArray());
        await group.WriteAsync(VendorModel, events.Select(cost => cost.VendorModel).ToArray());
        await group.WriteAsync<long>(InputTokens, events.Select(cost => cost.InputTokens).ToArray(), cancellationToken: cancellationToken);
        await group.WriteAsync<long>(OutputTokens, events.Select(cost => cost.OutputTokens).ToArray(), cancellationToken: cancellationToken);
        await group.WriteAsync<long>(CachedTokens, events.Select(cost => cost.CachedTokens).ToArray(), cancellationToken: cancellationToken);
        await group.WriteAsync<bool>(UsageEstimated, events.Select(cost => cost.UsageEstimated).ToArray(), cancellationToken: cancellationToken);
        await group.WriteAsync<decimal>(Cost, events.Select(cost => cost.Cost).ToArray(), cancellationToken: cancellationToken);
        await group.WriteAsync(PriceVersion, events.Select(cost => cost.PriceVersion).ToArray());
        await group.WriteAsync(Status, events.Select(cost => cost.Status.ToString()).ToArray());
        await group.WriteAsync<int>(HttpStatus, events.Select(cost => cost.HttpStatus).ToArray(), cancellationToken: cancellationToken);
        await group.WriteAsync<bool>(Streamed, events.Select(cost => cost.Streamed).ToArray(), cancellationToken: cancellationToken);
        await group.WriteAsync<DateTime>(StartedAt, events.Select(cost => cost.StartedAt.UtcDateTime).ToArray(), cancellationToken: cancellationToken);
        await group.WriteAsync<DateTime>(FinishedAt, events.Select(cost => cost.FinishedAt.UtcDateTime).ToArray(), cancellationToken: cancellationToken);
        await group.WriteAsync(Tags, events.Select(cost => cost.Tags is { Count: > 0 } tags
            ? string.Join(';', tags.OrderBy(tag => tag.Key, StringComparer.Ordinal).Select(tag => $"{tag.Key}={tag.Value}"))
            : "").ToArray());
    }

    public override async Task WriteRowsAsync(IReadOnlyList<UsageRow> rows, CancellationToken cancellationToken)
    {
        using var group = _writer.CreateRowGroup();
        for (var i = 0; i < _dimensions.Length; i++)
        {
            var column = i;
            await group.WriteAsync(_dimensions[column], rows.Select(row => row.Keys[column]).ToArray());
        }

        await group.WriteAsync<long>(Requests, rows.Select(row => row.Totals.Requests).ToArray(), cancellationToken: cancellationToken);
        await group.WriteAsync<long>(InputTokens, rows.Select(row => row.Totals.InputTokens).ToArray(), cancellationToken: cancellationToken);
        await group.WriteAsync<long>(OutputTokens, rows.Select(row => row.Totals.OutputTokens).ToArray(), cancellationToken: cancellationToken);
        await group.WriteAsync<long>(CachedTokens, rows.Select(row => row.Totals.CachedTokens).ToArray(), cancellationToken: cancellationToken);
        await group.WriteAsync<decimal>(Cost, rows.Select(row => row.Totals.Cost).ToArray(), cancellationToken: cancellationToken);
    }

    public override async ValueTask DisposeAsync()
    {
        await _writer.DisposeAsync();
        await _file.DisposeAsync();
    }
}
