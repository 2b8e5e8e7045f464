namespace ActorRelay.Actors.Hosting;

public enum ClusterFormation
{
    /// <summary>Join <c>Cluster:SeedNodes</c>; with none, the node forms a cluster by itself.</summary>
    SeedNodes = 0,

    /// <summary>Akka.Management cluster bootstrap: find the other pods through the Kubernetes API and join or form a cluster with them.</summary>
    Kubernetes = 1,
}

/// <summary>How a node finds its cluster (section <c>ActorRelay:Akka:Discovery</c>). The default is seed nodes from configuration.</summary>
public sealed record ClusterFormationOptions
{
    public ClusterFormation Method { get; init; } = ClusterFormation.SeedNodes;

    /// <summary>The service name bootstrap looks up; the Kubernetes pod selector defaults to <c>app=&lt;ServiceName&gt;</c>.</summary>
    public string ServiceName { get; init; } = "actorrelay";

    /// <summary>Kubernetes label selector of the pods that form the cluster (<c>{0}</c> is replaced by the service name).</summary>
    public string PodLabelSelector { get; init; } = "app={0}";

    /// <summary>Contact points that must be discovered before a new cluster may be formed: the initial replica count.</summary>
    public int RequiredContactPoints { get; init; } = 2;

    /// <summary>Akka.Management's HTTP port (bootstrap probes it on the other pods); the container port must be named <c>management</c>.</summary>
    public int ManagementPort { get; init; } = 8558;
}

public enum SplitBrainStrategy
{
    /// <summary>The side with more members (the one with the lowest address on a tie) survives; the rest downs itself.</summary>
    KeepMajority = 0,

    /// <summary>The side holding the oldest member survives.</summary>
    KeepOldest = 1,
}

/// <summary>
/// Akka's split-brain resolver (section <c>ActorRelay:Akka:SplitBrain</c>): after the membership has been unchanged for
/// <see cref="StableAfterSeconds"/> with members unreachable, it downs one side, so a dead node's shards move elsewhere.
/// </summary>
public sealed record SplitBrainOptions
{
    public SplitBrainStrategy Strategy { get; init; } = SplitBrainStrategy.KeepMajority;

    /// <summary>How long unreachability must be stable before a side is downed (Akka's <c>stable-after</c>).</summary>
    public double StableAfterSeconds { get; init; } = 20;
}
