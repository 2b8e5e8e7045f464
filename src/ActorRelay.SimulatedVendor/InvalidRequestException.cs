namespace ActorRelay.SimulatedVendor;

/// <summary>A request the simulator rejects with 400 and an <c>invalid_request_error</c> body carrying this message.</summary>
internal sealed class InvalidRequestException(string message) : Exception(message);
