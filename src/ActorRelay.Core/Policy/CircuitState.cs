namespace ActorRelay.Core.Policy;

/// <summary>The state of a circuit breaker.</summary>
public enum CircuitState
{
    /// <summary>Calls flow; outcomes are counted.</summary>
    Closed,

    /// <summary>Calls are shed until the cool-down has passed.</summary>
    Open,

    /// <summary>A few probe calls test whether the channel recovered.</summary>
    HalfOpen,
}

/// <summary>Why a circuit breaker opened.</summary>
public enum CircuitTrip
{
    /// <summary><see cref="CircuitBreakerOptions.ConsecutiveFailures"/> calls failed in a row.</summary>
    ConsecutiveFailures,

    /// <summary>The failure rate over the sampling window reached <see cref="CircuitBreakerOptions.FailureRatePercent"/>.</summary>
    FailureRate,

    /// <summary>A probe call failed while half-open.</summary>
    ProbeFailed,
}
