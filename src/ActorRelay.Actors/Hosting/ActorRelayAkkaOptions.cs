using Akka.Cluster.Hosting;
using Akka.Remote.Hosting;

namespace ActorRelay.Actors.Hosting;

/// <summary>
/// Everything the ActorSystem needs from configuration (section <c>ActorRelay:Akka</c>). With no seed nodes the
/// node joins itself and is a single-node cluster; with seed nodes the same binary joins them.
/// </summary>
public sealed class ActorRelayAkkaOptions
{
    public const string SectionName = "ActorRelay:Akka";

    public string SystemName { get; set; } = "actorrelay";

    public RemoteOptions Remote { get; set; } = new() { HostName = "127.0.0.1", Port = 4053 };

    /// <summary>Roles default to <c>gateway</c> when none are configured (set after binding: the binder appends to arrays).</summary>
    public ClusterOptions Cluster { get; set; } = new();

    public JournalOptions Journal { get; set; } = new();

    public ClusterFormationOptions Discovery { get; set; } = new();

    public SplitBrainOptions SplitBrain { get; set; } = new();
}
