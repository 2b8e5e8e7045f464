using System.Diagnostics.CodeAnalysis;
using ActorRelay.Core.Ledger;

namespace ActorRelay.Core.Reporting;

public enum UsageDimensionKind
{
    Tenant = 0,
    Project = 1,
    Key = 2,
    Model = 3,
    Channel = 4,
    VendorModel = 5,
    Day = 6,
    Status = 7,
    Tag = 8,
}

/// <summary>One column a usage report groups by: <c>tenant</c>, <c>project</c>, ..., or <c>tag:&lt;name&gt;</c>.</summary>
public sealed record UsageDimension(UsageDimensionKind Kind, string? TagName = null)
{
    public string Name => Kind == UsageDimensionKind.Tag ? $"tag:{TagName}" : Kind switch
    {
        UsageDimensionKind.VendorModel => "vendor_model",
        _ => Kind.ToString().ToLowerInvariant(),
    };

    /// <summary>Parses a comma-separated list such as <c>tenant,model,day,tag:team</c>.</summary>
    public static bool TryParseList(string? list, [NotNullWhen(true)] out IReadOnlyList<UsageDimension>? dimensions, [NotNullWhen(false)] out string? error)
    {
        var parsed = new List<UsageDimension>();
        foreach (var part in (list ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (part.StartsWith("tag:", StringComparison.OrdinalIgnoreCase) && part.Length > 4)
            {
                parsed.Add(new UsageDimension(UsageDimensionKind.Tag, part[4..]));
            }
            else if (part.Equals("vendor_model", StringComparison.OrdinalIgnoreCase))
            {
                parsed.Add(new UsageDimension(UsageDimensionKind.VendorModel));
            }
            else if (Enum.TryParse<UsageDimensionKind>(part, ignoreCase: true, out var kind) && kind != UsageDimensionKind.Tag && Enum.IsDefined(kind))
            {
                parsed.Add(new UsageDimension(kind));
            }
            else
            {
                (dimensions, error) = (null, $"Unknown group_by dimension '{part}'. Use tenant, project, key, model, channel, vendor_model, day, status or tag:<name>.");
                return false;
            }
        }

        (dimensions, error) = (parsed, null);
        return true;
    }

    public string ValueOf(LedgerEvents.CostRecorded cost) => Kind switch
    {
        UsageDimensionKind.Tenant => cost.TenantId,
        UsageDimensionKind.Project => cost.ProjectId ?? "",
        UsageDimensionKind.Key => cost.KeyId ?? "",
        UsageDimensionKind.Model => cost.Model,
        UsageDimensionKind.Channel => cost.ChannelId,
        UsageDimensionKind.VendorModel => cost.VendorModel,
        UsageDimensionKind.Day => cost.FinishedAt.UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        UsageDimensionKind.Status => cost.Status.ToString(),
        _ => cost.Tags is { } tags && tags.TryGetValue(TagName!, out var value) ? value : "",
    };
}
