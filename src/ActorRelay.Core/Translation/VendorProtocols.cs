namespace ActorRelay.Core.Translation;

/// <summary>The shared, stateless adapter of each vendor protocol (clock: <see cref="TimeProvider.System"/>).</summary>
public static class VendorProtocols
{
    private static readonly IVendorProtocol OpenAi = new OpenAiProtocol();
    private static readonly IVendorProtocol Anthropic = new AnthropicProtocol(TimeProvider.System);
    private static readonly IVendorProtocol Gemini = new GeminiProtocol(TimeProvider.System);

    public static IVendorProtocol For(VendorProtocolKind kind) => kind switch
    {
        VendorProtocolKind.OpenAI => OpenAi,
        VendorProtocolKind.Anthropic => Anthropic,
        VendorProtocolKind.Gemini => Gemini,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown vendor protocol."),
    };
}
