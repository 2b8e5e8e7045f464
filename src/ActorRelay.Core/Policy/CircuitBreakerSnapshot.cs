namespace ActorRelay.Core.Policy;

/// <summary>A circuit breaker's state for metrics and the admin API.</summary>
/// <param name="OpenedAt">When it last opened; null while closed.</param>
/// <param name="HalfOpensAt">When an open breaker admits its first probe; null unless open.</param>
/// <param name="BreakDuration">The cool-down of the current or next opening.</param>
/// <param name="ProbesInFlight">Probes admitted while half-open whose outcome is not known yet.</param>
/// <param name="TimesOpened">How often it opened since it was created.</param>
/// <param name="LastTrip">Why it last opened; null if it never did.</param>
public sealed record CircuitBreakerSnapshot(
    CircuitState State,
    DateTimeOffset? OpenedAt,
    DateTimeOffset? HalfOpensAt,
    TimeSpan BreakDuration,
    int ConsecutiveFailures,
    int WindowCalls,
    int WindowFailures,
    int ProbesInFlight,
    int ProbeSuccesses,
    long TimesOpened,
    CircuitTrip? LastTrip);
