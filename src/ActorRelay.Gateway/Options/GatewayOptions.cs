using ActorRelay.Core.Pricing;

namespace ActorRelay.Gateway.Options;

/// <summary>Configuration section <c>ActorRelay</c>: channels, model aliases, prices. Re-read on change, no restart.</summary>
public sealed class GatewayOptions
{
    public const string SectionName = "ActorRelay";

    /// <summary>The tenant billed for every call until virtual keys map calls to tenants.</summary>
    public string DefaultTenant { get; set; } = "default";

    /// <summary>Vendor channels by channel id.</summary>
    public Dictionary<string, ChannelOptions> Channels { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Model aliases that clients name, by alias.</summary>
    public Dictionary<string, ModelRouteOptions> Models { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public PriceOptions Prices { get; set; } = new();

    /// <summary>Where the in-process simulated vendor listens when a Simulated channel has no BaseUrl.</summary>
    public string SimulatedVendorUrl { get; set; } = "http://127.0.0.1:0";
}

public enum ChannelType
{
    /// <summary>The built-in simulated vendor, started in-process unless <see cref="ChannelOptions.BaseUrl"/> points elsewhere.</summary>
    Simulated = 0,

    /// <summary>Any server speaking OpenAI's chat-completions protocol (OpenAI, vLLM, Ollama, DeepSeek, a standalone simulated vendor).</summary>
    OpenAICompatible = 1,
}

public sealed class ChannelOptions
{
    public ChannelType Type { get; set; } = ChannelType.OpenAICompatible;

    /// <summary>The vendor's OpenAI base URL, ending in <c>/v1/</c> (e.g. <c>https://api.openai.com/v1/</c>).</summary>
    public string? BaseUrl { get; set; }

    /// <summary>The vendor key, sent as <c>Authorization: Bearer</c>. Never logged, never returned.</summary>
    public string? ApiKey { get; set; }

    /// <summary>How many calls may be in flight on this channel across the cluster.</summary>
    public int MaxConcurrency { get; set; } = 512;

    /// <summary>Deadline for the vendor's response headers (streams) or whole response (non-streams).</summary>
    public double TimeoutSeconds { get; set; } = 120;

    /// <summary>Extra headers sent to the vendor on every call (e.g. <c>OpenAI-Organization</c>).</summary>
    public Dictionary<string, string> Headers { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}

public sealed class ModelRouteOptions
{
    /// <summary>The channel id the alias is served by.</summary>
    public string Channel { get; set; } = "";

    /// <summary>The model name sent to the vendor; defaults to the alias.</summary>
    public string? VendorModel { get; set; }
}

public sealed class PriceOptions
{
    /// <summary>Recorded with every ledger event so that a total can always be traced to the prices that made it.</summary>
    public string Version { get; set; } = "1";

    /// <summary>Prices per one million tokens, by vendor model name.</summary>
    public Dictionary<string, ModelPrice> Models { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}
