namespace ActorRelay.Core.Translation;

/// <summary>The wire protocols ActorRelay speaks to vendors. OpenAI chat completions is the gateway's canonical protocol.</summary>
public enum VendorProtocolKind
{
    OpenAI,
    Anthropic,
    Gemini,
}
