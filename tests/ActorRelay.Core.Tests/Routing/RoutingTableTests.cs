using System.Collections.Frozen;
using ActorRelay.Core.Routing;

namespace ActorRelay.Core.Tests.Routing;

public sealed class RoutingTableTests
{
    private static readonly Deployment Primary = new("primary", "openai", "gpt-4o");
    private static readonly Deployment Secondary = new("secondary", "azure", "gpt-4o", Weight: 3);
    private static readonly Deployment Backup = new("backup", "vllm", "llama", Priority: 1);

    private static readonly Dictionary<string, (ModelRoute Route, string Error)> InvalidRoutes = new()
    {
        ["no deployment"] = (Route([]), "Alias 'gpt-4o' has no deployment."),
        ["unknown strategy"] = (Route([Primary]) with { Strategy = (RoutingStrategy)42 }, "Alias 'gpt-4o' has unknown routing strategy '42'."),
        ["weight zero"] = (Route([Primary with { Weight = 0 }]), "Alias 'gpt-4o', deployment 'primary': weight 0 must be positive."),
        ["weight negative"] = (Route([Primary, Secondary with { Weight = -2 }]), "Alias 'gpt-4o', deployment 'secondary': weight -2 must be positive."),
        ["duplicate id"] = (Route([Primary, Secondary with { Id = "primary" }]), "Alias 'gpt-4o' has more than one deployment with id 'primary'."),
        ["empty id"] = (Route([Primary with { Id = " " }]), "Alias 'gpt-4o' has a deployment without an id."),
        ["empty channel"] = (Route([Primary with { ChannelId = "" }]), "Alias 'gpt-4o', deployment 'primary': channel is empty."),
        ["empty vendor model"] = (Route([Primary with { VendorModel = "" }]), "Alias 'gpt-4o', deployment 'primary': vendor model is empty."),
        ["canary below 0"] = (Route([Primary, Secondary], new CanaryRule("secondary", -1, null)), "Alias 'gpt-4o', canary 'secondary': percent -1 must be within 0..100."),
        ["canary above 100"] = (Route([Primary, Secondary], new CanaryRule("secondary", 100.5, null)), "Alias 'gpt-4o', canary 'secondary': percent 100.5 must be within 0..100."),
        ["canary NaN"] = (Route([Primary, Secondary], new CanaryRule("secondary", double.NaN, null)), "Alias 'gpt-4o', canary 'secondary': percent NaN must be within 0..100."),
        ["canary unknown deployment"] = (Route([Primary], new CanaryRule("nowhere", 5, null)), "Alias 'gpt-4o', canary 'nowhere': names no deployment of the alias."),
        ["canary empty tenants"] = (Route([Primary, Secondary], new CanaryRule("secondary", 5, new HashSet<string>())), "Alias 'gpt-4o', canary 'secondary': the tenant list is empty (omit it to apply to every tenant)."),
        ["canaries over 100 for everyone"] = (
            Route([Primary, Secondary, Backup], new CanaryRule("secondary", 60, null), new CanaryRule("backup", 50, null)),
            "Alias 'gpt-4o': canaries for every tenant add up to 110 percent, more than 100."),
        ["canaries over 100 for one tenant"] = (
            Route([Primary, Secondary, Backup], new CanaryRule("secondary", 60, null), new CanaryRule("backup", 50, new HashSet<string> { "acme" })),
            "Alias 'gpt-4o': canaries for tenant 'acme' add up to 110 percent, more than 100."),
    };

    public static TheoryData<string> InvalidRouteNames => [.. InvalidRoutes.Keys];

    private static ModelRoute Route(IReadOnlyList<Deployment> deployments, params CanaryRule[] canaries) =>
        new("gpt-4o", deployments, RoutingStrategy.WeightedRandom, canaries);

    private static RoutingTable Table(params ModelRoute[] routes) =>
        new(1, routes.ToDictionary(route => route.Alias, StringComparer.Ordinal));

    [Theory]
    [InlineData("gpt-4o")]
    [InlineData("GPT-4O")]
    [InlineData("Gpt-4o")]
    public void TryGetRoute_AliasInAnyCase_FindsRoute(string alias)
    {
        var route = Route([Primary]);
        var table = Table(route);

        Assert.True(table.TryGetRoute(alias, out var found));
        Assert.Same(route, found);
        Assert.Same(route, table.Routes[alias]);
    }

    [Fact]
    public void TryGetRoute_UnknownAlias_ReturnsFalse()
    {
        Assert.False(Table(Route([Primary])).TryGetRoute("claude", out var route));
        Assert.Null(route);
    }

    [Fact]
    public void Routes_SourceChangedAfterBuild_SnapshotUnchanged()
    {
        var source = new Dictionary<string, ModelRoute>(StringComparer.Ordinal) { ["gpt-4o"] = Route([Primary]) };
        var table = new RoutingTable(3, source);

        source["mini"] = Route([Secondary]) with { Alias = "mini" };

        Assert.IsType<FrozenDictionary<string, ModelRoute>>(table.Routes, exactMatch: false);
        Assert.Single(table.Routes);
        Assert.Equal(3, table.Version);
    }

    [Fact]
    public void With_NewRoutes_FreezesThemCaseInsensitive()
    {
        var table = Table(Route([Primary]));

        var next = table with
        {
            Version = 2,
            Routes = new Dictionary<string, ModelRoute>(StringComparer.Ordinal) { ["mini"] = Route([Secondary]) with { Alias = "mini" } },
        };

        Assert.True(next.TryGetRoute("MINI", out _));
        Assert.False(next.TryGetRoute("gpt-4o", out _));
        Assert.True(table.TryGetRoute("gpt-4o", out _));
        Assert.Equal(2, next.Version);
    }

    [Fact]
    public void Validate_SoundTable_ReturnsNoError()
    {
        var table = Table(
            Route([Primary, Secondary, Backup], new CanaryRule("secondary", 40, null), new CanaryRule("backup", 60, new HashSet<string> { "acme" })),
            new ModelRoute("mini", [Primary with { VendorModel = "gpt-4o-mini" }], RoutingStrategy.LeastInFlight, []));

        Assert.Empty(table.Validate());
    }

    [Fact]
    public void Validate_TenantCanariesOverHundredOnlyTogether_ReturnsNoError()
    {
        var table = Table(Route(
            [Primary, Secondary, Backup],
            new CanaryRule("secondary", 70, new HashSet<string> { "acme" }),
            new CanaryRule("backup", 70, new HashSet<string> { "globex" })));

        Assert.Empty(table.Validate());
    }

    [Theory]
    [MemberData(nameof(InvalidRouteNames))]
    public void Validate_InvalidRoute_NamesAliasAndDeployment(string name)
    {
        var (route, error) = InvalidRoutes[name];

        var errors = Table(route).Validate();

        Assert.Equal([error], errors);
    }

    [Fact]
    public void Validate_AliasesDifferingOnlyByCase_KeepsOneAndReportsTheOther()
    {
        var upper = Route([Primary]) with { Alias = "GPT-4O" };
        var lower = Route([Secondary]);

        var table = new RoutingTable(1, new Dictionary<string, ModelRoute>(StringComparer.Ordinal) { ["gpt-4o"] = lower, ["GPT-4O"] = upper });

        Assert.Single(table.Routes);
        Assert.Same(upper, table.Routes["gpt-4o"]);
        Assert.Equal(["Alias 'gpt-4o' is defined more than once (aliases are case-insensitive)."], table.Validate());
    }

    [Fact]
    public void Validate_KeyAndRouteAliasDiffer_ReportsIt()
    {
        var table = new RoutingTable(1, new Dictionary<string, ModelRoute> { ["mini"] = Route([Primary]) });

        Assert.Equal(["Alias 'mini' holds a route for alias 'gpt-4o'."], table.Validate());
    }

    [Fact]
    public void Validate_BlankAlias_ReportsIt()
    {
        var table = new RoutingTable(1, new Dictionary<string, ModelRoute> { [" "] = Route([Primary]) with { Alias = " " } });

        Assert.Equal(["An alias is empty."], table.Validate());
    }

    [Fact]
    public void Validate_SeveralProblems_ReportsEach()
    {
        var table = Table(Route([Primary with { Weight = 0 }, Primary], new CanaryRule("ghost", 120, null)));

        Assert.Equal(
            [
                "Alias 'gpt-4o', deployment 'primary': weight 0 must be positive.",
                "Alias 'gpt-4o' has more than one deployment with id 'primary'.",
                "Alias 'gpt-4o', canary 'ghost': names no deployment of the alias.",
                "Alias 'gpt-4o', canary 'ghost': percent 120 must be within 0..100.",
            ],
            table.Validate());
    }
}
