using ActorRelay.Core.Routing;

namespace ActorRelay.Core.Tests.Routing;

public sealed class RoutePlannerTests
{
    private const int Draws10K = 10_000;

    private static ModelRoute Route(RoutingStrategy strategy, IReadOnlyList<Deployment> deployments, params CanaryRule[] canaries) =>
        new("gpt-4o", deployments, strategy, canaries);

    /// <summary>A deployment named after its channel, so that health can be set per id.</summary>
    private static Deployment D(string id, int weight = 1, int priority = 0) => new(id, id, "gpt-4o", weight, priority);

    private static string[] Plan(ModelRoute route, IDeploymentHealth health, Func<double> random, string tenant = "acme")
    {
        var into = new List<Deployment>();
        RoutePlanner.Plan(route, tenant, health, random, into);
        return [.. into.Select(deployment => deployment.Id)];
    }

    private static Dictionary<string, int> CountFirst(ModelRoute route, int seed, string tenant = "acme")
    {
        var random = Draws.Seeded(seed);
        var health = new FakeDeploymentHealth();
        var into = new List<Deployment>();
        var counts = route.Deployments.ToDictionary(deployment => deployment.Id, _ => 0);
        for (var i = 0; i < Draws10K; i++)
        {
            RoutePlanner.Plan(route, tenant, health, random, into);
            counts[into[0].Id]++;
        }

        return counts;
    }

    [Fact]
    public void Plan_SingleDeployment_ReturnsItWithoutDrawing()
    {
        Assert.Equal(["a"], Plan(Route(RoutingStrategy.WeightedRandom, [D("a")]), new FakeDeploymentHealth(), Draws.Sequence()));
    }

    [Fact]
    public void Plan_NoDeployment_ReturnsEmptyList()
    {
        Assert.Empty(Plan(Route(RoutingStrategy.WeightedRandom, []), new FakeDeploymentHealth(), Draws.Sequence()));
    }

    [Theory]
    [InlineData(new[] { 1, 1 })]
    [InlineData(new[] { 1, 3 })]
    [InlineData(new[] { 1, 2, 7 })]
    [InlineData(new[] { 5, 5, 90 })]
    [InlineData(new[] { 10, 20, 30, 40 })]
    public void Plan_WeightedRandom_FirstChoiceSplitsByWeightWithinTolerance(int[] weights)
    {
        var route = Route(RoutingStrategy.WeightedRandom, [.. weights.Select((weight, i) => D($"d{i}", weight))]);

        var counts = CountFirst(route, seed: 7);

        var total = weights.Sum();
        for (var i = 0; i < weights.Length; i++)
        {
            var expected = (double)weights[i] / total;
            var actual = (double)counts[$"d{i}"] / Draws10K;
            Assert.InRange(actual, expected - 0.02, expected + 0.02);
        }
    }

    [Fact]
    public void Plan_WeightedRandom_SecondChoiceIsDrawnWithoutReplacement()
    {
        var route = Route(RoutingStrategy.WeightedRandom, [D("a", 1), D("b", 1), D("c", 2)]);
        var random = Draws.Seeded(11);
        var into = new List<Deployment>();
        var secondIsA = 0;

        for (var i = 0; i < Draws10K; i++)
        {
            RoutePlanner.Plan(route, "acme", new FakeDeploymentHealth(), random, into);
            Assert.Equal(["a", "b", "c"], into.Select(deployment => deployment.Id).Order());
            secondIsA += into[1].Id == "a" ? 1 : 0;
        }

        // P(second = a) = P(b first)·1/3 + P(c first)·1/2 = 1/12 + 1/4 = 1/3.
        Assert.InRange((double)secondIsA / Draws10K, 1.0 / 3 - 0.02, 1.0 / 3 + 0.02);
    }

    [Theory]
    [InlineData(0.0, 0.0, "c,a,b")]
    [InlineData(0.49, 0.0, "c,a,b")]
    [InlineData(0.5, 0.0, "a,c,b")]
    [InlineData(0.95, 0.1, "b,a,c")]
    [InlineData(0.95, 0.9, "b,c,a")]
    [InlineData(1.0, 1.0, "b,c,a")]
    public void Plan_WeightedRandom_DrawsMapToCumulativeWeights(double first, double second, string expected)
    {
        // Before drawing, a group is ordered by weight (descending) then id: c(2), a(1), b(1) over a total of 4.
        var route = Route(RoutingStrategy.WeightedRandom, [D("a", 1), D("b", 1), D("c", 2)]);

        Assert.Equal(expected.Split(','), Plan(route, new FakeDeploymentHealth(), Draws.Sequence(first, second)));
    }

    [Fact]
    public void Plan_SameSeed_SameAttemptLists()
    {
        var route = Route(RoutingStrategy.WeightedRandom, [D("a", 1), D("b", 2), D("c", 3), D("x", 1, 1), D("y", 1, 1)]);
        var left = Draws.Seeded(3);
        var right = Draws.Seeded(3);

        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(Plan(route, new FakeDeploymentHealth(), left), Plan(route, new FakeDeploymentHealth(), right));
        }
    }

    [Theory]
    [InlineData(30.0, 20.0, 10.0, "c,b,a")]
    [InlineData(10.0, 20.0, 30.0, "a,b,c")]
    [InlineData(20.0, 10.0, 10.0, "c,b,a")]
    [InlineData(10.0, 10.0, 10.0, "c,a,b")]
    [InlineData(double.NaN, 5.0, 0.0, "c,a,b")]
    public void Plan_LowestLatency_OrdersByLatencyThenWeightThenId(double a, double b, double c, string expected)
    {
        // Weights: c 5, a 1, b 1: c wins latency ties, then a before b by id. NaN (unknown) reads as 0.
        var route = Route(RoutingStrategy.LowestLatency, [D("a"), D("b"), D("c", 5)]);
        var health = new FakeDeploymentHealth().Latency("a", a).Latency("b", b).Latency("c", c);

        Assert.Equal(expected.Split(','), Plan(route, health, Draws.Sequence()));
    }

    [Theory]
    [InlineData(3, 2, 1, "c,b,a")]
    [InlineData(0, 9, 9, "a,c,b")]
    [InlineData(4, 4, 4, "c,a,b")]
    [InlineData(1, 0, 1, "b,c,a")]
    public void Plan_LeastInFlight_OrdersByInFlightThenWeightThenId(int a, int b, int c, string expected)
    {
        var route = Route(RoutingStrategy.LeastInFlight, [D("a"), D("b"), D("c", 5)]);
        var health = new FakeDeploymentHealth().Busy("a", a).Busy("b", b).Busy("c", c);

        Assert.Equal(expected.Split(','), Plan(route, health, Draws.Sequence()));
    }

    [Theory]
    [InlineData(RoutingStrategy.LowestLatency)]
    [InlineData(RoutingStrategy.LeastInFlight)]
    public void Plan_PriorityGroups_FallBackGroupByGroupWhateverTheMetric(RoutingStrategy strategy)
    {
        // The fallbacks are faster and idle, yet a lower priority value always comes first.
        var route = Route(strategy, [D("backup", priority: 2), D("second", priority: 1), D("p0-slow"), D("p0-fast")]);
        var health = new FakeDeploymentHealth()
            .Latency("p0-slow", 900).Latency("p0-fast", 800).Latency("second", 10).Latency("backup", 1)
            .Busy("p0-slow", 9).Busy("p0-fast", 8).Busy("second", 1);

        Assert.Equal(["p0-fast", "p0-slow", "second", "backup"], Plan(route, health, Draws.Sequence()));
    }

    [Fact]
    public void Plan_WeightedRandomPriorityGroups_DrawWithinEachGroup()
    {
        var route = Route(RoutingStrategy.WeightedRandom, [D("a"), D("b"), D("x", priority: 1), D("y", priority: 1)]);

        // Group 0 [a, b]: 0.7 picks b. Group 1 [x, y]: 0.2 picks x.
        Assert.Equal(["b", "a", "x", "y"], Plan(route, new FakeDeploymentHealth(), Draws.Sequence(0.7, 0.2)));
    }

    [Theory]
    [InlineData("a", "b,c,x,a")]
    [InlineData("b", "a,c,x,b")]
    [InlineData("a,b", "c,x,a,b")]
    [InlineData("a,b,c", "x,a,b,c")]
    [InlineData("a,b,c,x", "a,b,c,x")]
    [InlineData("x", "a,b,c,x")]
    public void Plan_UnavailableDeployments_GoLastInTheirOwnOrder(string down, string expected)
    {
        var route = Route(RoutingStrategy.LowestLatency, [D("a"), D("b"), D("c", priority: 1), D("x", priority: 2)]);
        var health = new FakeDeploymentHealth().Down(down.Split(',')).Latency("a", 1).Latency("b", 2);

        Assert.Equal(expected.Split(','), Plan(route, health, Draws.Sequence()));
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(10.0)]
    [InlineData(50.0)]
    public void Plan_Canary_GetsItsShareWithinTolerance(double percent)
    {
        var route = Route(RoutingStrategy.WeightedRandom, [D("stable"), D("next")], new CanaryRule("next", percent, null));

        var counts = CountFirst(route, seed: 5);

        Assert.InRange(100.0 * counts["next"] / Draws10K, percent * 0.85 - 0.3, percent * 1.15 + 0.3);
        Assert.Equal(Draws10K, counts["next"] + counts["stable"]);
    }

    [Fact]
    public void Plan_TenantScopedCanary_OnlyListedTenantsGetIt()
    {
        var route = Route(RoutingStrategy.WeightedRandom, [D("stable"), D("next")], new CanaryRule("next", 20, new HashSet<string> { "acme" }));

        var listed = CountFirst(route, seed: 9, tenant: "acme");
        var other = CountFirst(route, seed: 9, tenant: "globex");

        Assert.InRange(100.0 * listed["next"] / Draws10K, 18.0, 22.0);
        Assert.Equal(0, other["next"]);
    }

    [Fact]
    public void Plan_TenantOutsideCanary_DrawsNothingAndSkipsCanary()
    {
        var route = Route(RoutingStrategy.LowestLatency, [D("stable"), D("next")], new CanaryRule("next", 99, new HashSet<string> { "acme" }));

        Assert.Equal(["stable"], Plan(route, new FakeDeploymentHealth(), Draws.Sequence(), tenant: "globex"));
    }

    [Theory]
    [InlineData(0.0, "next,stable-a,stable-b,backup")]
    [InlineData(0.0999, "next,stable-a,stable-b,backup")]
    [InlineData(0.1, "stable-a,stable-b,backup")]
    [InlineData(0.99, "stable-a,stable-b,backup")]
    public void Plan_CanaryDraw_PutsCanaryFirstOrLeavesItOut(double draw, string expected)
    {
        // The canary has the highest priority value: drawn, it still goes first; not drawn, it is not tried at all.
        var route = Route(
            RoutingStrategy.LowestLatency,
            [D("stable-a"), D("stable-b"), D("backup", priority: 1), D("next", priority: 5)],
            new CanaryRule("next", 10, null));

        Assert.Equal(expected.Split(','), Plan(route, new FakeDeploymentHealth(), Draws.Sequence(draw)));
    }

    [Theory]
    [InlineData(0.05, "x,stable")]
    [InlineData(0.15, "y,stable")]
    [InlineData(0.29, "y,stable")]
    [InlineData(0.30, "stable")]
    public void Plan_SeveralCanaries_OneDrawSharesOutCumulatively(double draw, string expected)
    {
        var route = Route(
            RoutingStrategy.LowestLatency,
            [D("stable"), D("x"), D("y")],
            new CanaryRule("x", 10, null),
            new CanaryRule("y", 20, null));

        Assert.Equal(expected.Split(','), Plan(route, new FakeDeploymentHealth(), Draws.Sequence(draw)));
    }

    [Fact]
    public void Plan_CanaryAtZeroPercent_DrawsNothingAndSkipsCanary()
    {
        var route = Route(RoutingStrategy.LowestLatency, [D("stable"), D("next")], new CanaryRule("next", 0, null));

        Assert.Equal(["stable"], Plan(route, new FakeDeploymentHealth(), Draws.Sequence()));
    }

    [Fact]
    public void Plan_CanaryAtHundredPercent_AlwaysFirst()
    {
        var route = Route(RoutingStrategy.WeightedRandom, [D("stable"), D("next")], new CanaryRule("next", 100, null));

        var counts = CountFirst(route, seed: 1);

        Assert.Equal(Draws10K, counts["next"]);
    }

    [Theory]
    [InlineData("stable-a,stable-b", "next,stable-a,stable-b")]
    [InlineData("stable-a,stable-b,next", "stable-a,stable-b,next")]
    [InlineData("stable-a", "stable-b,stable-a")]
    public void Plan_CallOutsideCanary_UsesCanaryOnlyWhenNothingElseIsAvailable(string down, string expected)
    {
        var route = Route(RoutingStrategy.LowestLatency, [D("stable-a"), D("stable-b"), D("next")], new CanaryRule("next", 10, null));
        var health = new FakeDeploymentHealth().Down(down.Split(',')).Latency("stable-b", 5);

        Assert.Equal(expected.Split(','), Plan(route, health, Draws.Sequence(0.5)));
    }

    [Fact]
    public void Plan_DrawnCanaryUnavailable_OthersFirstThenCanaryFirstOfTheUnavailable()
    {
        var route = Route(RoutingStrategy.LowestLatency, [D("stable"), D("old"), D("next")], new CanaryRule("next", 10, null));
        var health = new FakeDeploymentHealth().Down("next", "old");

        Assert.Equal(["stable", "next", "old"], Plan(route, health, Draws.Sequence(0.01)));
    }

    [Fact]
    public void Plan_DrawnIntoOneCanary_OtherCanaryStaysOut()
    {
        var route = Route(
            RoutingStrategy.LowestLatency,
            [D("stable"), D("x"), D("y")],
            new CanaryRule("x", 10, null),
            new CanaryRule("y", 10, null));

        Assert.Equal(["x", "stable"], Plan(route, new FakeDeploymentHealth(), Draws.Sequence(0.01)));
    }

    [Fact]
    public void Plan_IntoSpan_WritesPrefixAndReturnsCount()
    {
        var route = Route(RoutingStrategy.LowestLatency, [D("stable"), D("next")], new CanaryRule("next", 10, null));
        var into = new Deployment[3];

        var count = RoutePlanner.Plan(route, "acme", new FakeDeploymentHealth(), Draws.Sequence(0.5), into);

        Assert.Equal(1, count);
        Assert.Equal("stable", into[0].Id);
        Assert.Null(into[1]);
    }

    [Fact]
    public void Plan_IntoSpanTooSmall_Throws()
    {
        var route = Route(RoutingStrategy.LowestLatency, [D("a"), D("b")]);

        Assert.Throws<ArgumentException>(() => RoutePlanner.Plan(route, "acme", new FakeDeploymentHealth(), Draws.Sequence(), new Deployment[1]));
    }

    [Fact]
    public void Plan_ReusedList_ReplacesPreviousPlan()
    {
        var into = new List<Deployment> { D("left-over"), D("from"), D("before"), D("many") };

        RoutePlanner.Plan(Route(RoutingStrategy.LowestLatency, [D("a"), D("b")]), "acme", new FakeDeploymentHealth(), Draws.Sequence(), into);

        Assert.Equal(["a", "b"], into.Select(deployment => deployment.Id));
    }

    [Fact]
    public void Plan_RouteLongerThanStackLimit_OrdersEveryDeployment()
    {
        var count = RoutePlanner.StackLimit + 36;
        var deployments = Enumerable.Range(0, count).Select(i => D($"d{i:D3}")).ToArray();
        var health = new FakeDeploymentHealth();
        foreach (var deployment in deployments)
        {
            health.Latency(deployment.Id, count - int.Parse(deployment.Id[1..], System.Globalization.CultureInfo.InvariantCulture));
        }

        var plan = Plan(Route(RoutingStrategy.LowestLatency, deployments), health, Draws.Sequence());

        Assert.Equal(deployments.Select(deployment => deployment.Id).Reverse(), plan);
    }

    [Fact]
    public void Plan_ReusedList_AllocatesNothing()
    {
        var route = Route(
            RoutingStrategy.WeightedRandom,
            [D("a", 3), D("b", 2), D("c"), D("x", priority: 1), D("y", priority: 1), D("next")],
            new CanaryRule("next", 10, new HashSet<string>(StringComparer.Ordinal) { "acme" }));
        var health = new FakeDeploymentHealth().Down("b");
        var random = Draws.Seeded(2);
        var into = new List<Deployment>(route.Deployments.Count);
        RoutePlanner.Plan(route, "acme", health, random, into);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1_000; i++)
        {
            RoutePlanner.Plan(route, "acme", health, random, into);
        }

        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }
}
