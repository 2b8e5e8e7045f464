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

    public ClusterOptions Cluster { get; set; } = new() { Roles = ["gateway"] };

    public JournalOptions Journal { get; set; } = new();
}
