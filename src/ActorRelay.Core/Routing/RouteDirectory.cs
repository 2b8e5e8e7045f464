using ActorRelay.Core.Directories;

namespace ActorRelay.Core.Routing;

/// <summary>Events of the route directory: routes set or removed at run time through the admin API. A public, versioned contract.</summary>
public static class RouteEvents
{
    public sealed record RouteSet(long Version, RouteSpec Route, DateTimeOffset At) : IRouteEvent;

    public sealed record RouteRemoved(long Version, string Alias, DateTimeOffset At) : IRouteEvent;
}

/// <summary>Marker for events persisted by the route directory.</summary>
public interface IRouteEvent : IActorRelayMessage;

/// <summary>One change of the route directory, as the admin API lists it; <see cref="Route"/> is null for a removal.</summary>
public sealed record RouteChange(long Version, string Alias, string Action, RouteSpec? Route, DateTimeOffset At);

/// <summary>The route directory at one version, as replicated to every node: the routes set at run time and their history.</summary>
public sealed record RouteDirectoryView(long Version, IReadOnlyList<RouteSpec> Routes, IReadOnlyList<RouteChange> History) : IActorRelayMessage
{
    public static readonly RouteDirectoryView Empty = new(0, [], []);
}

public enum RouteOutcome
{
    Accepted = 0,
    Invalid = 1,
    NotFound = 2,
    Conflict = 3,
}

/// <summary>What a route command decided: the event to persist, or why not.</summary>
public sealed record RouteDecision(RouteOutcome Outcome, string? Error, IRouteEvent? Event);

/// <summary>
/// The route directory's state. <c>Decide*</c> validate a change against the state and return the event to persist;
/// <see cref="Apply"/> applies a persisted event. Every change gets the next version. Pure: no clock, no I/O.
/// </summary>
public sealed class RouteDirectoryState : IDirectoryState<RouteDirectoryState, RouteDirectoryView, IRouteEvent>
{
    /// <summary>How many changes the view lists (the journal keeps them all).</summary>
    public const int HistoryKept = 200;

    private readonly Dictionary<string, RouteSpec> _routes = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<RouteChange> _history = [];

    public long Version { get; private set; }

    public RouteDirectoryView View() => new(
        Version,
        _routes.Values.OrderBy(route => route.Alias, StringComparer.Ordinal).ToList(),
        [.. _history]);

    public static RouteDirectoryState Restore(RouteDirectoryView view)
    {
        var state = new RouteDirectoryState { Version = view.Version };
        foreach (var route in view.Routes)
        {
            state._routes[route.Alias] = route;
        }

        state._history.AddRange(view.History);
        return state;
    }

    /// <param name="expectedVersion">When given, the change applies only if the directory is still at this version.</param>
    public RouteDecision DecideSet(RouteSpec route, long? expectedVersion, DateTimeOffset now)
    {
        if (Stale(expectedVersion) is { } conflict)
        {
            return conflict;
        }

        var errors = route.Validate();
        return errors.Count > 0
            ? new RouteDecision(RouteOutcome.Invalid, string.Join(" ", errors), null)
            : new RouteDecision(RouteOutcome.Accepted, null, new RouteEvents.RouteSet(Version + 1, route, now));
    }

    public RouteDecision DecideRemove(string alias, long? expectedVersion, DateTimeOffset now)
    {
        if (Stale(expectedVersion) is { } conflict)
        {
            return conflict;
        }

        return _routes.ContainsKey(alias)
            ? new RouteDecision(RouteOutcome.Accepted, null, new RouteEvents.RouteRemoved(Version + 1, alias, now))
            : new RouteDecision(RouteOutcome.NotFound, $"No route for alias '{alias}' was set through the admin API.", null);
    }

    public void Apply(IRouteEvent routeEvent)
    {
        switch (routeEvent)
        {
            case RouteEvents.RouteSet set:
                _routes[set.Route.Alias] = set.Route;
                Record(new RouteChange(set.Version, set.Route.Alias, "set", set.Route, set.At));
                break;
            case RouteEvents.RouteRemoved removed:
                _routes.Remove(removed.Alias);
                Record(new RouteChange(removed.Version, removed.Alias, "removed", null, removed.At));
                break;
            default:
                throw new ArgumentException($"Unknown route event {routeEvent.GetType().Name}.", nameof(routeEvent));
        }
    }

    private RouteDecision? Stale(long? expectedVersion) =>
        expectedVersion is { } expected && expected != Version
            ? new RouteDecision(RouteOutcome.Conflict, $"The route directory is at version {Version}, not {expected}.", null)
            : null;

    private void Record(RouteChange change)
    {
        Version = change.Version;
        _history.Add(change);
        if (_history.Count > HistoryKept)
        {
            _history.RemoveRange(0, _history.Count - HistoryKept);
        }
    }
}
