using ActorRelay.Core;
using ActorRelay.Core.Routing;

namespace ActorRelay.Actors.Routing;

/// <summary>A message for the route directory (one entity for the whole cluster).</summary>
public interface IRouteDirectoryMessage : IActorRelayMessage;

/// <summary>Commands change the directory and reply <see cref="RouteReply"/> after persisting.</summary>
public static class RouteCommands
{
    public sealed record SetRoute(RouteSpec Route, long? ExpectedVersion) : IRouteDirectoryMessage;

    public sealed record RemoveRoute(string Alias, long? ExpectedVersion) : IRouteDirectoryMessage;

    /// <summary>The outcome and the directory as it is after the command.</summary>
    public sealed record RouteReply(RouteOutcome Outcome, string? Error, RouteDirectoryView View) : IActorRelayMessage;
}

public static class RouteQueries
{
    /// <summary>Replies the directory when it is newer than <paramref name="KnownVersion"/>, else <see cref="RoutesUnchanged"/>.</summary>
    public sealed record GetRoutes(long KnownVersion) : IRouteDirectoryMessage;

    public sealed record RoutesUnchanged(long Version) : IActorRelayMessage;
}
