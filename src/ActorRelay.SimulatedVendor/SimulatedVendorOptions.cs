namespace ActorRelay.SimulatedVendor;

/// <summary>
/// Behaviour of the simulated vendor, bound from the <see cref="SectionName"/> configuration section.
/// Every request can override the latency and fault settings with <c>x-sim-*</c> headers.
/// </summary>
public sealed record SimulatedVendorOptions
{
    /// <summary>The configuration section the standalone host binds.</summary>
    public const string SectionName = "SimulatedVendor";

    /// <summary>Upper bound for <see cref="ResponseTokens"/> and <c>x-sim-tokens</c>: keeps an answer's size bounded.</summary>
    internal const int MaxResponseTokens = 100_000;

    /// <summary>Delay before the headers and first chunk of a stream, or before a non-stream answer.</summary>
    public int FirstTokenDelayMs { get; init; }

    /// <summary>Delay between streamed tokens; a non-stream answer additionally waits tokens × this delay.</summary>
    public int TokenDelayMs { get; init; }

    /// <summary>Completion length in tokens (words) when <c>max_tokens</c> does not cap it.</summary>
    public int ResponseTokens { get; init; } = 16;

    /// <summary>429, 500 or 503: every chat completion fails with that status and an OpenAI error body.</summary>
    public int? FailStatus { get; init; }

    /// <summary>Streams only: abort the connection after this many token chunks, without a finish chunk or <c>[DONE]</c>.</summary>
    public int? DropAfterTokens { get; init; }

    /// <summary>When set, every request needs <c>Authorization: Bearer &lt;key&gt;</c>.</summary>
    public string? ApiKey { get; init; }

    /// <summary>Models listed by <c>GET /v1/models</c>; chat completions accept any model name.</summary>
    public string[] Models { get; init; } = ["sim-small", "sim-large"];

    internal static bool IsSupportedFailStatus(int status) => status is 429 or 500 or 503;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(FirstTokenDelayMs);
        ArgumentOutOfRangeException.ThrowIfNegative(TokenDelayMs);
        ArgumentOutOfRangeException.ThrowIfNegative(ResponseTokens);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ResponseTokens, MaxResponseTokens);
        if (FailStatus is int status && !IsSupportedFailStatus(status))
        {
            throw new ArgumentOutOfRangeException(nameof(FailStatus), status, "FailStatus must be 429, 500 or 503.");
        }

        if (DropAfterTokens is int dropAfter)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(dropAfter, nameof(DropAfterTokens));
        }

        if (Models is null || Array.Exists(Models, string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException("Models must be a list of non-empty model names.", nameof(Models));
        }
    }

    /// <summary>
    /// Binds the <see cref="SectionName"/> section. A configured model list replaces the
    /// default one (the binder alone would append to it).
    /// </summary>
    public static SimulatedVendorOptions FromConfiguration(IConfiguration configuration)
    {
        var section = configuration.GetSection(SectionName);
        var options = section.Get<SimulatedVendorOptions>() ?? new SimulatedVendorOptions();
        var models = section.GetSection(nameof(Models)).Get<string[]>();
        return models is null ? options : options with { Models = models };
    }
}
