namespace ActorRelay.Core.Policy;

/// <summary>How an upstream attempt failed.</summary>
public enum FailureKind
{
    /// <summary>The vendor answered with a non-success HTTP status.</summary>
    HttpStatus,

    /// <summary>No connection: DNS, refused, reset while connecting, TLS.</summary>
    Connect,

    /// <summary>A connect, first-token or total timeout.</summary>
    Timeout,

    /// <summary>The connection broke while the response was being read.</summary>
    Interrupted,

    /// <summary>The caller cancelled (the client left); never retried.</summary>
    Cancelled,
}
