using System.Text.Json;

namespace ActorRelay.SimulatedVendor;

/// <summary>One vendor protocol's side of the simulation: authentication, request reading, errors and answer shapes.</summary>
internal interface IVendorDialect
{
    /// <summary>Checks the caller's key when one is configured; answers in the dialect's error shape and returns false when it is wrong.</summary>
    Task<bool> AuthorizeAsync(HttpContext context, SimulatedVendorOptions options);

    /// <summary>Reads and validates the request.</summary>
    /// <exception cref="InvalidRequestException">The request is malformed.</exception>
    Task<ChatRequest> ReadRequestAsync(HttpContext context, CancellationToken cancellationToken);

    /// <summary>Answers 400 with the dialect's invalid-request error.</summary>
    Task WriteInvalidRequestAsync(HttpContext context, string message);

    /// <summary>Answers an injected 429, 500 or 503 the way the vendor does (a 429 says to retry after one second).</summary>
    Task WriteInjectedFailureAsync(HttpContext context, int status);

    /// <summary>Writes the whole non-stream answer.</summary>
    void WriteAnswer(Utf8JsonWriter writer, ChatRequest request, SimulatedReply reply);

    /// <summary>The event sequence of one streamed answer.</summary>
    ISimulatedStream CreateStream(ServerSentEventWriter events, ChatRequest request, SimulatedReply reply);
}

/// <summary>
/// Writes one streamed answer: <see cref="WriteStartAsync"/> once, <see cref="WriteTokenAsync"/> per token (the driver paces
/// them and may cut the stream), <see cref="WriteEndAsync"/> once for the closing events.
/// </summary>
internal interface ISimulatedStream
{
    ValueTask WriteStartAsync();

    ValueTask WriteTokenAsync(int index);

    ValueTask WriteEndAsync();
}
