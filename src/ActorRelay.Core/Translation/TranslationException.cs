namespace ActorRelay.Core.Translation;

/// <summary>
/// A request that one protocol cannot express in another (thrown while building a request: answer 400 with the message),
/// or a vendor body that is not what its protocol promises (thrown while translating a response: answer 502).
/// </summary>
public sealed class TranslationException(string message) : Exception(message);
