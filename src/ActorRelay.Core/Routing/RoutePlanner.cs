using System.Runtime.InteropServices;

namespace ActorRelay.Core.Routing;

/// <summary>
/// Orders the deployments of a route into the attempt list of one call: the first entry is tried first, the next
/// ones are the fallbacks. Pure and deterministic given <c>random</c>; it allocates nothing for routes of up to
/// <see cref="StackLimit"/> deployments.
/// </summary>
/// <remarks>
/// The order, from first to last:
/// <list type="number">
/// <item>the canary deployment, when this call was drawn into a canary (one draw per call, and only when a canary
/// with a positive share applies to the tenant);</item>
/// <item>the other deployments by priority group (lowest <see cref="Deployment.Priority"/> first), each group ordered
/// by the route's strategy: weighted random draws without replacement, lowest latency, or least in flight, ties
/// broken by higher weight, then by id;</item>
/// <item>the deployments of canaries this call was not drawn into, only when no other deployment is available;</item>
/// <item>the unavailable deployments, in the same order, so that they are still tried when nothing else is left.</item>
/// </list>
/// </remarks>
public static class RoutePlanner
{
    /// <summary>Routes with at most this many deployments are planned on the stack.</summary>
    public const int StackLimit = 64;

    private const int Available = 0;
    private const int Unavailable = 1;
    private const int DrawnCanary = 0;
    private const int Regular = 1;
    private const int OtherCanary = 2;

    /// <summary>Clears <paramref name="into"/> and fills it with the attempt list of one call.</summary>
    public static void Plan(ModelRoute route, string tenantId, IDeploymentHealth health, Func<double> random, List<Deployment> into)
    {
        ArgumentNullException.ThrowIfNull(route);
        ArgumentNullException.ThrowIfNull(into);
        into.Clear();
        CollectionsMarshal.SetCount(into, route.Deployments.Count);
        var count = Plan(route, tenantId, health, random, CollectionsMarshal.AsSpan(into));
        CollectionsMarshal.SetCount(into, count);
    }

    /// <summary>
    /// Writes the attempt list of one call to the start of <paramref name="into"/>, which must hold
    /// <c>route.Deployments.Count</c> items, and returns its length.
    /// </summary>
    public static int Plan(ModelRoute route, string tenantId, IDeploymentHealth health, Func<double> random, Span<Deployment> into)
    {
        ArgumentNullException.ThrowIfNull(route);
        ArgumentNullException.ThrowIfNull(health);
        ArgumentNullException.ThrowIfNull(random);
        var deployments = route.Deployments;
        var total = deployments.Count;
        if (into.Length < total)
        {
            throw new ArgumentException($"The span holds {into.Length} deployments; route '{route.Alias}' has {total}.", nameof(into));
        }

        var drawn = DrawCanary(route.Canaries, tenantId, random);
        Span<Rank> ranks = total <= StackLimit ? stackalloc Rank[total] : new Rank[total];
        var anyRegularAvailable = false;
        for (var i = 0; i < total; i++)
        {
            var deployment = deployments[i];
            var available = health.IsAvailable(deployment.ChannelId);
            var group = drawn is not null && string.Equals(deployment.Id, drawn, StringComparison.Ordinal) ? DrawnCanary
                : route.IsCanary(deployment.Id) ? OtherCanary
                : Regular;
            anyRegularAvailable |= available && group == Regular;
            ranks[i] = new Rank(i, available ? Available : Unavailable, group, deployment.Priority, Metric(route.Strategy, health, deployment.ChannelId), deployment.Weight);
        }

        var count = 0;
        for (var i = 0; i < total; i++)
        {
            if (!(anyRegularAvailable && ranks[i].Group == OtherCanary))
            {
                ranks[count++] = ranks[i];
            }
        }

        ranks = ranks[..count];
        Sort(ranks, deployments);
        if (route.Strategy == RoutingStrategy.WeightedRandom)
        {
            DrawByWeight(ranks, random);
        }

        for (var i = 0; i < count; i++)
        {
            into[i] = deployments[ranks[i].Index];
        }

        return count;
    }

    /// <summary>The deployment id of the canary this call is drawn into, or null; draws once when some canary applies.</summary>
    private static string? DrawCanary(IReadOnlyList<CanaryRule> canaries, string tenantId, Func<double> random)
    {
        var applies = false;
        for (var i = 0; i < canaries.Count && !applies; i++)
        {
            applies = canaries[i].Percent > 0 && canaries[i].AppliesTo(tenantId);
        }

        if (!applies)
        {
            return null;
        }

        var draw = random() * 100;
        var share = 0.0;
        for (var i = 0; i < canaries.Count; i++)
        {
            var canary = canaries[i];
            if (canary.Percent > 0 && canary.AppliesTo(tenantId))
            {
                share += canary.Percent;
                if (draw < share)
                {
                    return canary.DeploymentId;
                }
            }
        }

        return null;
    }

    private static double Metric(RoutingStrategy strategy, IDeploymentHealth health, string channelId) => strategy switch
    {
        RoutingStrategy.LowestLatency => LatencyOrZero(health.LatencyEwmaMs(channelId)),
        RoutingStrategy.LeastInFlight => health.InFlight(channelId),
        _ => 0,
    };

    private static double LatencyOrZero(double latencyMs) => double.IsNaN(latencyMs) ? 0 : latencyMs;

    /// <summary>A stable insertion sort: routes are short, and it needs neither a comparer object nor a delegate.</summary>
    private static void Sort(Span<Rank> ranks, IReadOnlyList<Deployment> deployments)
    {
        for (var i = 1; i < ranks.Length; i++)
        {
            var current = ranks[i];
            var j = i - 1;
            while (j >= 0 && Compare(ranks[j], current, deployments) > 0)
            {
                ranks[j + 1] = ranks[j];
                j--;
            }

            ranks[j + 1] = current;
        }
    }

    private static int Compare(in Rank left, in Rank right, IReadOnlyList<Deployment> deployments)
    {
        var order = left.Section.CompareTo(right.Section);
        if (order == 0)
        {
            order = left.Group.CompareTo(right.Group);
        }

        if (order == 0)
        {
            order = left.Priority.CompareTo(right.Priority);
        }

        if (order == 0)
        {
            order = left.Metric.CompareTo(right.Metric);
        }

        if (order == 0)
        {
            order = right.Weight.CompareTo(left.Weight);
        }

        if (order == 0)
        {
            order = string.CompareOrdinal(deployments[left.Index].Id, deployments[right.Index].Id);
        }

        return order;
    }

    /// <summary>Within each group of equal section, canary group and priority, draws positions without replacement by weight.</summary>
    private static void DrawByWeight(Span<Rank> ranks, Func<double> random)
    {
        for (var start = 0; start < ranks.Length;)
        {
            var end = start + 1;
            long weights = Math.Max(0, ranks[start].Weight);
            while (end < ranks.Length && SameGroup(ranks[start], ranks[end]))
            {
                weights += Math.Max(0, ranks[end].Weight);
                end++;
            }

            for (var position = start; position < end - 1 && weights > 0; position++)
            {
                var chosen = Choose(ranks[position..end], random() * weights);
                weights -= ranks[position + chosen].Weight;
                (ranks[position], ranks[position + chosen]) = (ranks[position + chosen], ranks[position]);
            }

            start = end;
        }
    }

    /// <summary>The index whose cumulative weight first exceeds <paramref name="draw"/>; the last weighted one when none does.</summary>
    private static int Choose(ReadOnlySpan<Rank> candidates, double draw)
    {
        var cumulative = 0L;
        var lastWeighted = 0;
        for (var i = 0; i < candidates.Length; i++)
        {
            if (candidates[i].Weight <= 0)
            {
                continue;
            }

            cumulative += candidates[i].Weight;
            lastWeighted = i;
            if (draw < cumulative)
            {
                return i;
            }
        }

        return lastWeighted;
    }

    private static bool SameGroup(in Rank left, in Rank right) =>
        left.Section == right.Section && left.Group == right.Group && left.Priority == right.Priority;

    /// <summary>What a deployment is ordered by; <see cref="Index"/> points into the route's deployments.</summary>
    private readonly record struct Rank(int Index, int Section, int Group, int Priority, double Metric, int Weight);
}
