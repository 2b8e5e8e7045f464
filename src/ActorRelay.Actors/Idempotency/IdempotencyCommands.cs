using ActorRelay.Core;

namespace ActorRelay.Actors.Idempotency;

/// <summary>Routes a message to the idempotency entity of one tenant's idempotency key (<see cref="Scope"/>: tenant and key hash).</summary>
public interface IWithIdempotencyScope : IActorRelayMessage
{
    string Scope { get; }
}

public static class IdempotencyCommands
{
    /// <summary>
    /// Asks to run the call <paramref name="RequestId"/> under an idempotency key. Replies <see cref="Proceed"/> to the
    /// first call (the owner), <see cref="Replay"/> to a repeat once the owner finished (a repeat that arrives while the
    /// owner runs waits for it), or <see cref="Refused"/>. <paramref name="Fingerprint"/> is a hash of the request body:
    /// a repeat must send the same body.
    /// </summary>
    /// <param name="LeaseSeconds">How long the owner may run before it is presumed gone and a waiting repeat takes over.</param>
    /// <param name="WindowSeconds">How long a finished call's result is kept for repeats.</param>
    public sealed record Begin(string Scope, string RequestId, string Fingerprint, int LeaseSeconds, int WindowSeconds) : IWithIdempotencyScope;

    /// <summary>
    /// The owner finished. <paramref name="Succeeded"/> false forgets the call (a repeat runs again, and a waiting
    /// repeat takes over at once); true keeps <paramref name="Result"/> for repeats, or, when it was too large to keep
    /// (null), refuses repeats rather than calling the vendor again.
    /// </summary>
    public sealed record Finish(string Scope, string RequestId, bool Succeeded, IdempotentResult? Result) : IWithIdempotencyScope;

    public sealed record Proceed(string RequestId) : IActorRelayMessage;

    public sealed record Replay(string RequestId, IdempotentResult Result) : IActorRelayMessage;

    public sealed record Refused(string RequestId, IdempotencyRefusal Reason, string Message) : IActorRelayMessage;
}

/// <summary>The response of a finished call as the client received it (for streams: every SSE byte).</summary>
public sealed record IdempotentResult(string OriginalRequestId, int Status, string ContentType, byte[] Body);

public enum IdempotencyRefusal
{
    /// <summary>The key was used with a different request body.</summary>
    KeyReused = 0,

    /// <summary>The first call succeeded but its result was too large to keep.</summary>
    ResultNotKept = 1,
}
