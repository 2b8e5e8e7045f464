namespace ActorRelay.Core;

/// <summary>
/// Marker for every message, event and snapshot that crosses a process boundary (remoting or the journal).
/// The actors project binds it to ActorRelay's explicit, versioned serializer.
/// </summary>
public interface IActorRelayMessage;
