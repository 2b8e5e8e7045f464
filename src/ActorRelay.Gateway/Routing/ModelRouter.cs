using System.Diagnostics.CodeAnalysis;
using ActorRelay.Core.Routing;
using ActorRelay.Gateway.Options;
using Microsoft.Extensions.Options;

namespace ActorRelay.Gateway.Routing;

/// <summary>Where one attempt goes: the alias, the deployment, its channel's settings and the model name the vendor expects.</summary>
internal sealed record ResolvedRoute(string Alias, Deployment Deployment, ChannelOptions Channel)
{
    public string ChannelId => Deployment.ChannelId;

    public string VendorModel => Deployment.VendorModel;
}

/// <summary>Where a route of the current table came from.</summary>
internal enum RouteSource
{
    Configuration,
    Admin,
}

/// <summary>
/// This node's routing table: the routes of configuration (re-read when the file changes) overlaid by the routes set
/// through the admin API (replicated from the route directory). The hot path reads one immutable snapshot, swapped
/// atomically whenever either source changes, and plans each call from it and the channels' health.
/// </summary>
internal sealed class ModelRouter : IDisposable
{
    private readonly IOptionsMonitor<GatewayOptions> _options;
    private readonly IDeploymentHealth _health;
    private readonly IDisposable? _subscription;
    private readonly Lock _gate = new();
    private volatile Snapshot _current;
    private RouteDirectoryView _directory = RouteDirectoryView.Empty;
    private Dictionary<string, RouteSpec> _configured;
    private long _configVersion = 1;
    private DateTimeOffset _configLoadedAt;

    public ModelRouter(IOptionsMonitor<GatewayOptions> options, IDeploymentHealth health, TimeProvider time)
    {
        _options = options;
        _health = health;
        _configured = ConfiguredRoutes.From(options.CurrentValue);
        _configLoadedAt = time.GetUtcNow();
        _current = Build(1);
        _subscription = options.OnChange(changed =>
        {
            lock (_gate)
            {
                var configured = ConfiguredRoutes.From(changed);
                if (Same(configured, _configured))
                {
                    return;
                }

                _configured = configured;
                _configVersion++;
                _configLoadedAt = time.GetUtcNow();
                _current = Build(_current.Table.Version + 1);
            }
        });
    }

    public RoutingTable Table => _current.Table;

    /// <summary>The version of the admin routes (the route directory's) this node has.</summary>
    public long DirectoryVersion => _current.Directory.Version;

    public RouteDirectoryView Directory => _current.Directory;

    /// <summary>How many times this node loaded routes from configuration, and when it last did.</summary>
    public (long Version, DateTimeOffset LoadedAt) Configuration => (_current.ConfigVersion, _current.ConfigLoadedAt);

    public RouteSource SourceOf(string alias) => _current.AdminAliases.Contains(alias) ? RouteSource.Admin : RouteSource.Configuration;

    public bool TryGetRoute(string alias, [NotNullWhen(true)] out ModelRoute? route) => _current.Table.TryGetRoute(alias, out route);

    /// <summary>The attempt list of one call: the first deployment, then its fallbacks.</summary>
    public List<Deployment> Plan(ModelRoute route, string tenantId)
    {
        var plan = new List<Deployment>(route.Deployments.Count);
        RoutePlanner.Plan(route, tenantId, _health, Random.Shared.NextDouble, plan);
        return plan;
    }

    /// <summary>The deployment with its channel's current settings; false when the channel is no longer configured.</summary>
    public bool TryResolve(string alias, Deployment deployment, [NotNullWhen(true)] out ResolvedRoute? resolved)
    {
        resolved = _options.CurrentValue.Channels.TryGetValue(deployment.ChannelId, out var channel) ? new ResolvedRoute(alias, deployment, channel) : null;
        return resolved is not null;
    }

    /// <summary>Takes the route directory's <paramref name="view"/> if it is newer than what this node has.</summary>
    public void Offer(RouteDirectoryView view)
    {
        lock (_gate)
        {
            if (view.Version <= _directory.Version)
            {
                return;
            }

            _directory = view;
            _current = Build(_current.Table.Version + 1);
        }
    }

    public void Dispose() => _subscription?.Dispose();

    /// <summary>Configuration's routes, then the admin routes over them; an admin route naming an unknown channel is skipped.</summary>
    private Snapshot Build(long version)
    {
        var channels = _options.CurrentValue.Channels;
        var routes = _configured.ToDictionary(pair => pair.Key, pair => pair.Value.ToRoute(), StringComparer.OrdinalIgnoreCase);
        var admin = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var spec in _directory.Routes.Where(spec => spec.Deployments.All(deployment => channels.ContainsKey(deployment.ChannelId))))
        {
            routes[spec.Alias] = spec.ToRoute();
            admin.Add(spec.Alias);
        }

        return new Snapshot(new RoutingTable(version, routes), _directory, admin, _configVersion, _configLoadedAt);
    }

    private static bool Same(Dictionary<string, RouteSpec> left, Dictionary<string, RouteSpec> right) =>
        left.Count == right.Count && left.All(pair => right.TryGetValue(pair.Key, out var other) && Same(pair.Value, other));

    private static bool Same(RouteSpec left, RouteSpec right) =>
        string.Equals(left.Alias, right.Alias, StringComparison.Ordinal)
        && left.Strategy == right.Strategy
        && left.Deployments.SequenceEqual(right.Deployments)
        && left.Canaries.Count == right.Canaries.Count
        && left.Canaries.Zip(right.Canaries).All(pair =>
            pair.Item1.Deployment == pair.Item2.Deployment
            && pair.Item1.Percent.Equals(pair.Item2.Percent)
            && (pair.Item1.Tenants ?? []).SequenceEqual(pair.Item2.Tenants ?? []));

    private sealed record Snapshot(RoutingTable Table, RouteDirectoryView Directory, HashSet<string> AdminAliases, long ConfigVersion, DateTimeOffset ConfigLoadedAt);
}
